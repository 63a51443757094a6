package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/telcoops/crm"
	"github.com/telcoops/crm/sqlstore/internal/engine"
)

// pending are the items still to write: neither rejected nor skipped.
func pending(items []*importItem) []*importItem {
	return slices.DeleteFunc(slices.Clone(items), func(it *importItem) bool { return it.errs != nil || it.skip })
}

// inTx runs fn in a transaction of its own connection, so that COPY can
// reach the driver's connection beneath it.
func (im *importer) inTx(ctx context.Context, fn func(t *tx) error) error {
	conn, err := im.db.wr.Conn(ctx)
	if err != nil {
		return translate(err)
	}
	defer conn.Close()
	et, err := engine.Begin(ctx, im.db.eng, conn)
	if err != nil {
		return translate(err)
	}
	t := &tx{Tx: et, ctx: et.Context(), db: im.db, info: crm.RequestInfo{Principal: crm.Principal{ID: im.actor}}}
	if err := fn(t); err != nil {
		et.Rollback()
		return translate(err)
	}
	return translate(et.Commit())
}

// check finds the lines whose customer external_id is already in the org:
// from before this load they are skipped, from a customer created since
// it began (by its own lines, im.start) they are duplicates. An external id drawn for a line that a client has taken
// meanwhile is drawn again, as the API's insertDrawn does.
func (im *importer) check(t *tx, items []*importItem) error {
	own := map[string]bool{}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, *it.c.ExternalID)
		if it.own != nil {
			own[*it.own] = true
		}
	}
	taken, err := t.existingExternalIDs("customers", im.org, ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		id := *it.c.ExternalID
		switch {
		case it.own != nil && taken[id] != "":
			if taken[id] > im.start {
				it.errs = []string{"external_id: " + violationMessage("customers_external_id_uq")}
			} else {
				it.skip = true
			}
		case it.own == nil && (taken[id] != "" || own[id]):
			if it.c.ExternalID, err = t.redraw(im.org, "customers", &im.custIDs, own); err != nil {
				return err
			}
			if err := im.build(it); err != nil {
				return err
			}
		}
	}
	ownAccounts := map[string]bool{}
	var drawn []string
	for _, it := range pending(items) {
		for i, n := range it.l.Accounts {
			if n.ExternalID != nil {
				ownAccounts[*n.ExternalID] = true
			} else {
				drawn = append(drawn, *it.as[i].ExternalID)
			}
		}
	}
	if taken, err = t.existingExternalIDs("accounts", im.org, drawn); err != nil {
		return err
	}
	for _, it := range pending(items) {
		changed := false
		for i, n := range it.l.Accounts {
			if id := *it.as[i].ExternalID; n.ExternalID == nil && (taken[id] != "" || ownAccounts[id]) {
				if it.as[i].ExternalID, err = t.redraw(im.org, "accounts", &im.acctIDs, ownAccounts); err != nil {
					return err
				}
				changed = true
			}
		}
		if changed {
			if err := im.build(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// rowByRow writes each line in a savepoint of its own, so that a line
// breaking a uniqueness rule is rejected alone, then numbers the events
// it wrote in the feed.
func (im *importer) rowByRow(t *tx, items []*importItem) error {
	st, err := t.prepareImport()
	if err != nil {
		return err
	}
	for _, it := range items {
		if _, err := t.exec("SAVEPOINT import_line"); err != nil {
			return err
		}
		at, err := im.insertItem(t, st, it)
		if err != nil {
			if _, rerr := t.exec("ROLLBACK TO SAVEPOINT import_line"); rerr != nil {
				return rerr
			}
			var ce *crm.Error
			if !errors.As(translate(err), &ce) || ce.Code != crm.ECONFLICT {
				return translate(err)
			}
			it.errs = []string{crm.FieldError{Field: conflictField(it, at, ce), Message: ce.Message}.String()}
		}
		if _, err := t.exec("RELEASE SAVEPOINT import_line"); err != nil {
			return err
		}
	}
	return t.numberPending()
}

// conflictField names the field of a line that a uniqueness violation
// is about.
func conflictField(it *importItem, account int, ce *crm.Error) string {
	switch ce.Message {
	case violationMessage("customers_document_uq"):
		if it.c.CompanyInfo != nil {
			return "company_info.identity_document"
		}
		return "personal_info.identity_document"
	case violationMessage("customers_digital_email_uq"):
		return "digital_personal_info.email"
	case violationMessage("customers_external_id_uq"):
		return "external_id"
	case violationMessage("accounts_external_id_uq"):
		return fmt.Sprintf("accounts[%d].external_id", account)
	}
	return ""
}

// violationMessage is what translate says of a violated unique index.
func violationMessage(index string) string {
	for _, u := range uniqueViolations {
		if u.index == index {
			return u.message
		}
	}
	return ""
}
