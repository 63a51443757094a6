package main

import "testing"

// walkCredentials walks the Customer credentials group over HTTP: give a
// customer two usernames, refuse a duplicate, migrate one to another
// customer, find that customer by the username, delete the other.
func walkCredentials(t *testing.T, c *client) {
	var old, heir struct{ ID string }
	first := readExample(t, "NewDigitalCustomer")
	first["type"] = "DIGITAL_CUSTOMER"
	first["digital_personal_info"].(map[string]any)["email"] = "walk.old@example.com"
	c.call("POST", "/customers", first, 201, &old)
	second := readExample(t, "NewDigitalCustomer")
	second["type"] = "DIGITAL_CUSTOMER"
	second["digital_personal_info"].(map[string]any)["email"] = "walk.heir@example.com"
	c.call("POST", "/customers", second, 201, &heir)

	creds := "/customers/" + old.ID + "/credentials"
	var login, spare struct{ ID string }
	c.call("POST", creds, map[string]any{"username": "Walk.Login@Example.com"}, 201, &login)
	c.call("POST", creds, map[string]any{"username": "walk.spare@example.com"}, 201, &spare)
	c.call("POST", "/customers/"+heir.ID+"/credentials", map[string]any{"username": "walk.login@example.com"}, 409, nil)
	var list struct {
		Username    string
		Credentials []struct{ ID, Username string }
	}
	c.call("GET", creds, nil, 200, &list)
	if list.Username != "walk.login@example.com" || len(list.Credentials) != 2 {
		t.Errorf("credentials %+v", list)
	}

	var moved struct{ ID string }
	c.call("POST", "/customers/"+heir.ID+"/credentials/migration", map[string]any{"username": "walk.login@example.com"}, 201, &moved)
	if moved.ID != login.ID {
		t.Errorf("migrated credential %q, want %q", moved.ID, login.ID)
	}
	var found struct{ Customer struct{ ID string } }
	c.call("GET", "/customers?username=WALK.LOGIN@example.com", nil, 200, &found)
	if found.Customer.ID != heir.ID {
		t.Errorf("search by username found %q, want the heir %q", found.Customer.ID, heir.ID)
	}

	c.call("DELETE", creds+"/"+spare.ID, nil, 204, nil)
	c.call("DELETE", creds+"/"+spare.ID, nil, 404, nil)
	list.Username, list.Credentials = "", nil
	c.call("GET", creds, nil, 200, &list)
	if list.Username != "" || len(list.Credentials) != 0 {
		t.Errorf("credentials after migration and delete %+v", list)
	}
	c.call("GET", "/customers?username=walk.spare@example.com", nil, 404, nil)
}
