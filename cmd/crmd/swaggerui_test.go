package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// What the tests do on /docs, the way a reader does it in Swagger UI:
// read the operations, authorize, and try an operation.

// shownOperation is one operation as the reference shows it.
type shownOperation struct {
	ID, Method, Path, Summary string
}

// operations lists the operations the surface's reference shows.
func (b *browser) operations(surface string) []shownOperation {
	b.t.Helper()
	raw := b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll("#ui-%s .opblock")).map(op => ({
		ID: op.id,
		Method: op.querySelector(".opblock-summary-method").textContent,
		Path: op.querySelector(".opblock-summary-path").getAttribute("data-path"),
		Summary: op.querySelector(".opblock-summary-description")?.textContent ?? ""}))`, surface))
	var ops []shownOperation
	if err := json.Unmarshal([]byte(raw), &ops); err != nil {
		b.t.Fatalf("%s: %v", raw, err)
	}
	return ops
}

// openAuthorization opens the surface's Authorize dialog and marks the
// form of the security scheme, returning its selector.
func (b *browser) openAuthorization(surface, scheme string) string {
	b.t.Helper()
	b.click("#ui-" + surface + " .auth-wrapper button.authorize")
	b.waitFor(fmt.Sprintf(`document.querySelectorAll("#ui-%s .modal-ux .auth-container").length > 0`, surface))
	marked := b.eval(fmt.Sprintf(`(() => {
		const form = Array.from(document.querySelectorAll("#ui-%s .modal-ux .auth-container"))
			.find(c => c.querySelector("h4")?.textContent.includes(%q));
		form?.setAttribute("data-scheme", %q);
		return !!form })()`, surface, scheme, scheme))
	if marked != "true" {
		b.t.Fatalf("%s: no %s form in the Authorize dialog", surface, scheme)
	}
	return fmt.Sprintf("#ui-%s [data-scheme=%q]", surface, scheme)
}

// submitAuthorization presses the form's Authorize, waits for it to turn
// into Logout (the credentials were accepted), and closes the dialog.
func (b *browser) submitAuthorization(surface, form string) {
	b.t.Helper()
	b.click(form + " button.authorize")
	b.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent.includes("Logout")`, form))
	b.click("#ui-" + surface + " .modal-ux button.close-modal")
}

// authorize enters a bearer token or API key for the scheme.
func (b *browser) authorize(surface, scheme, value string) {
	b.t.Helper()
	form := b.openAuthorization(surface, scheme)
	b.run(chromedp.SendKeys(chromedp.CSS(form+" input"), value))
	b.submitAuthorization(surface, form)
}

// authorizeClient enters an OAuth client's credentials, with no scope
// ticked: Swagger UI then gets a token with all the client's scopes.
func (b *browser) authorizeClient(surface, clientID, secret string) {
	b.t.Helper()
	form := b.openAuthorization(surface, "oauth2")
	b.run(chromedp.SendKeys(chromedp.CSS(form+` input[id^="client_id"]`), clientID),
		chromedp.SendKeys(chromedp.CSS(form+` input[id^="client_secret"]`), secret))
	b.submitAuthorization(surface, form)
}

// tryIt opens the operation, fills its parameters, executes it and
// returns the status the reference shows.
func (b *browser) tryIt(surface, opID string, params map[string]string) string {
	b.t.Helper()
	op := fmt.Sprintf(`#ui-%s [id$="-%s"]`, surface, opID)
	b.click(op + " .opblock-summary-control")
	b.click(op + " .try-out__btn")
	for name, value := range params {
		// Select the example the field may hold, so the keys replace it.
		input := fmt.Sprintf(`%s tr[data-param-name=%q] input`, op, name)
		b.eval(fmt.Sprintf(`document.querySelector(%q).select()`, input))
		b.run(chromedp.SendKeys(chromedp.CSS(input), value))
	}
	b.click(op + " button.execute")
	status := op + " .live-responses-table tr.response .response-col_status"
	b.waitFor(fmt.Sprintf(`document.querySelector(%q)?.textContent.trim() > ""`, status))
	return strings.Fields(b.text(status))[0]
}
