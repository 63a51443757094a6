#!/usr/bin/env bash
# targets.sh: N (10,000) customers of org telco drawn at random from a
# PostgreSQL database, one a line as crmload --targets reads them:
# customer id, document type, document number, an account id (may be
# empty), tab-separated.
#
#   scripts/targets.sh DSN [N] > targets.tsv
set -euo pipefail
psql "$1" -qAtc "COPY (SELECT c.id, c.doc_type, c.doc_number, min(a.id) FROM customers c
  LEFT JOIN accounts a ON a.customer_id = c.id WHERE c.org_id = 'telco' AND c.doc_number IS NOT NULL
  AND c.ended_at IS NULL GROUP BY c.id ORDER BY random() LIMIT ${2:-10000}) TO STDOUT"
