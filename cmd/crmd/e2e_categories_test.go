package main

import (
	"strconv"
	"strings"
	"testing"
)

// walkCategories walks the classification of a customer over HTTP: define
// categories and the special-treatment list, assign and change a category
// and read its history, give the customer special treatment, and see the
// org list refuse to drop a value the customer holds.
func walkCategories(t *testing.T, c *client) {
	cust := readExample(t, "NewPrivateCustomer")
	cust["personal_info"].(map[string]any)["identity_document"] = map[string]any{"number": "Y1234567X", "type": "NIE"}
	var customer struct{ ID string }
	c.call("POST", "/customers", cust, 201, &customer)
	cpath := "/customers/" + customer.ID

	var created struct {
		Categories []struct {
			ID   int32  `json:"id"`
			Name string `json:"name"`
		} `json:"categories"`
	}
	c.call("POST", "/categories", map[string]any{"categories": []any{
		map[string]any{"name": "risk", "description": "Risk category", "valid_values": []string{"high", "low"}},
		map[string]any{"name": "influencer"},
	}}, 201, &created)
	if len(created.Categories) != 2 || created.Categories[0].Name != "risk" {
		t.Fatalf("created categories %+v", created)
	}
	risk := created.Categories[0].ID
	c.call("POST", "/categories", map[string]any{"categories": []any{map[string]any{"name": "RISK"}}}, 409, nil)
	c.call("PATCH", "/categories/"+strconv.Itoa(int(risk)), map[string]any{"valid_values": []string{"high", "medium", "low"}}, 204, nil)
	var list struct {
		Categories []struct {
			ValidValues []string `json:"valid_values"`
		} `json:"categories"`
	}
	c.call("GET", "/categories", nil, 200, &list)
	if len(list.Categories) != 2 || strings.Join(list.Categories[0].ValidValues, ",") != "high,medium,low" {
		t.Errorf("G1 %+v", list)
	}

	c.call("POST", cpath+"/categories", map[string]any{"id": risk, "value": "extreme"}, 400, nil)
	c.call("POST", cpath+"/categories", map[string]any{"id": risk, "value": "high", "reason": "late payments"}, 201, nil)
	c.call("POST", cpath+"/categories", map[string]any{"id": risk, "value": "low"}, 409, nil)
	c.call("PATCH", cpath+"/categories/"+strconv.Itoa(int(risk)), map[string]any{"value": "medium", "reason": "paid"}, 204, nil)
	var current struct {
		Categories []struct {
			Value  string `json:"value"`
			Reason string `json:"reason"`
		} `json:"categories"`
	}
	c.call("GET", cpath+"/categories", nil, 200, &current)
	if len(current.Categories) != 1 || current.Categories[0].Value != "medium" || current.Categories[0].Reason != "paid" {
		t.Errorf("CC3 %+v", current)
	}
	var hist struct {
		Categories []struct {
			HistoricalValues []struct {
				Value      string  `json:"value"`
				EndDate    *string `json:"end_date"`
				ModifiedBy string  `json:"modified_by"`
			} `json:"historical_values"`
		} `json:"categories"`
	}
	c.call("GET", cpath+"/categories/historical", nil, 200, &hist)
	if len(hist.Categories) != 1 || len(hist.Categories[0].HistoricalValues) != 2 {
		t.Fatalf("CC1 %+v", hist)
	}
	h := hist.Categories[0].HistoricalValues
	if h[0].Value != "high" || h[0].EndDate == nil || h[1].Value != "medium" || h[1].EndDate != nil || !strings.HasPrefix(h[1].ModifiedBy, "key:") {
		t.Errorf("CC1 periods %+v", h)
	}

	c.call("PATCH", "/special-treatment", map[string]any{"values": []string{"silver", "gold", "vip"}}, 204, nil)
	c.call("PUT", cpath+"/special-treatment", map[string]any{"values": []string{"platinum"}}, 400, nil)
	c.call("PUT", cpath+"/special-treatment", map[string]any{"values": []string{"vip"}}, 204, nil)
	var st struct{ Values []string }
	c.call("GET", cpath+"/special-treatment", nil, 200, &st)
	if strings.Join(st.Values, ",") != "vip" {
		t.Errorf("CS1 %+v", st)
	}
	c.call("PATCH", "/special-treatment", map[string]any{"values": []string{"gold"}}, 409, nil)
	c.call("GET", "/special-treatment", nil, 200, &st)
	if strings.Join(st.Values, ",") != "silver,gold,vip" {
		t.Errorf("S1 after a refused removal %+v", st)
	}

	// Once ended, the customer's classification is read-only.
	c.call("DELETE", cpath, nil, 204, nil)
	c.call("PATCH", cpath+"/categories/"+strconv.Itoa(int(risk)), map[string]any{"value": "low"}, 409, nil)
	c.call("PUT", cpath+"/special-treatment", map[string]any{"values": []string{}}, 409, nil)
	c.call("GET", cpath+"/categories/historical", nil, 200, nil)
}
