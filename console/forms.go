package console

import (
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// staleMessage is what a 412 tells the agent: someone else wrote first.
const staleMessage = "Changed by someone else since you opened it: reload. " +
	"Nothing was saved; the page now shows the current data, check it and submit again."

// finish tells the agent how the API answered the form named what, on
// the customer page it redirects to: a 412 as a stale page, any other
// refusal in the API's own words (which name the field).
func (c *Console) finish(w http.ResponseWriter, r *http.Request, s *session, what string, res apiResult, done string) {
	var f flash
	switch {
	case res.Status == http.StatusPreconditionFailed:
		f = flash{Error: true, Text: what + ": " + staleMessage}
	case !res.ok():
		f = flash{Error: true, Text: what + ": " + res.message()}
	default:
		f = flash{Text: done}
	}
	c.sessions.setFlash(s, f)
	http.Redirect(w, r, Prefix+"/customers/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

// refuse is finish for a form the console could not send: a field missing.
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, s *session, what, msg string) {
	c.sessions.setFlash(s, flash{Error: true, Text: what + ": " + msg})
	http.Redirect(w, r, Prefix+"/customers/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
}

// form is a trimmed form value.
func form(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

// updateContact replaces the customer's email and/or phone list with the
// one given (the API's contact_info patch replaces each list whole).
func (c *Console) updateContact(w http.ResponseWriter, r *http.Request, s *session, a api) {
	const what = "Contact information"
	ci := map[string]any{}
	if e := form(r, "email"); e != "" {
		ci["emails"] = []map[string]string{{"email": e}}
	}
	if n := form(r, "phone_number"); n != "" {
		ci["phone_numbers"] = []map[string]string{{"country_code": form(r, "phone_country_code"), "number": n, "type": "MOBILE"}}
	}
	if len(ci) == 0 {
		c.refuse(w, r, s, what, "give a new email or phone number")
		return
	}
	res := a.patchCustomer(r.Context(), r.PathValue("id"), form(r, "etag"), map[string]any{"contact_info": ci})
	c.finish(w, r, s, what, res, "Contact information saved.")
}

// deactivate deactivates the customer (the API refuses while an account is open).
func (c *Console) deactivate(w http.ResponseWriter, r *http.Request, s *session, a api) {
	res := a.deactivate(r.Context(), r.PathValue("id"), form(r, "etag"))
	c.finish(w, r, s, "Deactivate", res, "Customer deactivated.")
}

// setCategory gives the customer a value of one of the org's categories:
// added when the customer has none, changed (under the If-Match of the
// customer's categories as the page read them) when it has one.
func (c *Console) setCategory(w http.ResponseWriter, r *http.Request, s *session, a api) {
	const what = "Category"
	id, err := strconv.ParseInt(form(r, "category"), 10, 32)
	if err != nil {
		c.refuse(w, r, s, what, "choose a category")
		return
	}
	customer := r.PathValue("id")
	current := a.customerCategories(r.Context(), customer)
	var held struct{ Categories []struct{ ID int64 } }
	if !current.ok() || current.decode(&held) != nil {
		c.finish(w, r, s, what, current, "")
		return
	}
	body := map[string]any{"value": form(r, "value")}
	if reason := form(r, "reason"); reason != "" {
		body["reason"] = reason
	}
	for _, h := range held.Categories {
		if h.ID == id {
			res := a.patchCategory(r.Context(), customer, id, form(r, "etag"), body)
			c.finish(w, r, s, what, res, "Category value changed.")
			return
		}
	}
	body["id"] = id
	res := a.addCategory(r.Context(), customer, body)
	c.finish(w, r, s, what, res, "Category value added.")
}

// billingAddress replaces an account's billing address.
func (c *Console) billingAddress(w http.ResponseWriter, r *http.Request, s *session, a api) {
	body := map[string]any{"address_lines": []string{form(r, "address_line")}, "postal_code": form(r, "postal_code"),
		"locality": form(r, "locality"), "administrative_area": form(r, "administrative_area"), "region_code": form(r, "region_code")}
	res := a.putBillingAddress(r.Context(), r.PathValue("account"), form(r, "etag"), body)
	c.finish(w, r, s, "Billing address", res, "Billing address saved.")
}

// paymentMethod sets an account's payment method: an IBAN, or the
// reference of a card the payment gateway tokenizes (202: pending).
func (c *Console) paymentMethod(w http.ResponseWriter, r *http.Request, s *session, a api) {
	const what = "Payment method"
	typ := form(r, "type")
	details := map[string]string{}
	switch typ {
	case "DIRECT_DEBIT", "BANK_TRANSFER":
		details["iban"] = strings.ReplaceAll(form(r, "iban"), " ", "")
	case "CREDIT_CARD":
		details["reference_id"] = form(r, "reference_id")
	default:
		c.refuse(w, r, s, what, "choose direct debit, bank transfer or card")
		return
	}
	res := a.patchPaymentMethod(r.Context(), r.PathValue("account"), form(r, "etag"), map[string]any{"type": typ, "details": details})
	done := "Payment method saved."
	if res.Status == http.StatusAccepted {
		done = "Card payment requested: it applies once the payment gateway has tokenized the card."
	}
	c.finish(w, r, s, what, res, done)
}

// uploadDocument opens an identification process with the uploaded
// document, streaming it to the API as a multipart body of its own.
func (c *Console) uploadDocument(w http.ResponseWriter, r *http.Request, s *session, a api) {
	const what = "Identification document"
	file, hdr, err := r.FormFile("document")
	if err != nil {
		c.refuse(w, r, s, what, "choose a file (PDF, JPEG or PNG)")
		return
	}
	defer file.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	written := make(chan struct{})
	go func() {
		defer close(written)
		err := mw.WriteField("type", form(r, "type"))
		if err == nil {
			var part io.Writer
			if part, err = mw.CreateFormFile("document", hdr.Filename); err == nil {
				if _, err = io.Copy(part, file); err == nil {
					err = mw.Close()
				}
			}
		}
		pw.CloseWithError(err)
	}()
	res := a.uploadDocument(r.Context(), r.PathValue("id"), mw.FormDataContentType(), pr)
	pr.Close() // the writer stops if the API answered before reading it all
	<-written
	c.finish(w, r, s, what, res, "Identification document uploaded.")
}
