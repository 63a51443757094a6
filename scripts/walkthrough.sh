#!/usr/bin/env bash
# The README's walkthrough, block by block: cmd/crmd's TestReadmeWalkthrough
# runs it against the real binary on SQLite and PostgreSQL, and checks that
# the README's ```sh blocks under "Walkthrough" are exactly this file's body.
# Run it yourself from the repository root, with a server started as the
# README says (API=host:port when it is not localhost:8080).
set -euo pipefail
# --- README blocks below; edit both together ---
API=${API:-localhost:8080}      # the server; HOOK below is where the webhook receiver listens
HOOK=${HOOK:-127.0.0.1:9099}
KEY=$(./crmd keys create --org telco --roles admin | tail -n1)   # an admin key of org telco, shown once

# a private customer (the documentation's NewPrivateCustomer example); the Idempotency-Key makes a retry safe
IDEM=readme-$(date +%s)
ID=$(curl -s -X POST $API/v4/orgs/telco/customers -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: $IDEM" \
  --data @httpapi/testdata/examples/NewPrivateCustomer.json | jq -r .id)
echo "customer $ID"
# the same key and body again replay the first answer instead of creating a second customer
curl -s -o /dev/null -w '%{http_code} replayed: %header{idempotency-replayed}\n' -X POST $API/v4/orgs/telco/customers \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -H "Idempotency-Key: $IDEM" \
  --data @httpapi/testdata/examples/NewPrivateCustomer.json

# find it by identity document or email (x-api-key works as well as Authorization)
curl -s "$API/v4/orgs/telco/customers?identity_document=14861628V&identity_document_type=NIF" -H "x-api-key: $KEY" | jq -c .customer
curl -s "$API/v4/orgs/telco/customers?email=email@example.com" -H "x-api-key: $KEY" | jq -c .customer

# read it with its ETag, then patch it only if nobody changed it meanwhile: 204, or 412 if someone did
ETAG=$(curl -s -o /dev/null -w '%header{etag}' $API/v4/orgs/telco/customers/$ID -H "Authorization: Bearer $KEY")
curl -s -w '%{http_code}\n' -X PATCH $API/v4/orgs/telco/customers/$ID -H "Authorization: Bearer $KEY" \
  -H "If-Match: $ETAG" -H 'Content-Type: application/json' \
  -d '{"preferred_language":"ca","personal_info":{"second_surname":null,"nationality":"PT"}}'
curl -s $API/v4/orgs/telco/customers/$ID -H "Authorization: Bearer $KEY" | jq -c '{preferred_language, nationality: .personal_info.nationality}'

# a billing account paying by direct debit
ACC=$(curl -s -X POST $API/v4/orgs/telco/customers/$ID/accounts -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' \
  -d '{"modality":"POSTPAID","payment_method":{"type":"DIRECT_DEBIT","details":{"iban":"ES7921000813610123456789"}}}' | jq -r .id)
curl -s $API/v4/orgs/telco/accounts/$ACC -H "Authorization: Bearer $KEY" | jq -c '{external_id, payment_method}'

# switch it to a card: 202 while the payment gateway tokenizes it, then the gateway posts the result
curl -s -o /dev/null -w '%{http_code}\n' -X PATCH $API/v4/orgs/telco/accounts/$ACC/payment-method \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"type":"CREDIT_CARD","details":{"reference_id":"PAY-1"}}'
GW=$(./crmd keys create --org telco --roles payments:gateway | tail -n1)
curl -s -X POST $API/v4/orgs/telco/tokenization-requests/PAY-1/result -H "Authorization: Bearer $GW" \
  -H 'Content-Type: application/json' \
  -d '{"status":"COMPLETED","token_id":"e58ed763-928c-4155-bee9-fdbaaadc15f3","summary":"5100","expiration_date":"05/2029"}'
curl -s $API/v4/orgs/telco/accounts/$ACC -H "Authorization: Bearer $KEY" | jq -c .payment_method

# its billing address (and history), a promotion, a contract
curl -s -X PUT $API/v4/orgs/telco/accounts/$ACC/billing-address -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' --data @httpapi/testdata/examples/BillingAddress.json -w '%{http_code}\n'
curl -s $API/v4/orgs/telco/accounts/$ACC/billing-address/history -H "Authorization: Bearer $KEY" | jq length
curl -s -X POST $API/v4/orgs/telco/accounts/$ACC/promotions -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"promotion_code":"WELCOME10","name":"Welcome","start_date":"2026-01-01"}' | jq -c .
curl -s -X POST $API/v4/orgs/telco/accounts/$ACC/contracts -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' \
  -d '{"start_date":"2026-01-01T00:00:00Z","requests":[{"request_external_id":"214748364","contract_reference_id":"MMC2105077108808","type":"SALE_MOBILE_ONLY","origin_user":"john.doe"}]}' | jq -c .
ACC_EXT=$(curl -s $API/v4/orgs/telco/accounts/$ACC -H "Authorization: Bearer $KEY" | jq -r .external_id)
curl -s $API/v4/orgs/telco/external-accounts/$ACC_EXT/contracts/active -H "Authorization: Bearer $KEY" | jq -c .

# a login for the customer, found again by its username
curl -s -X POST $API/v4/orgs/telco/customers/$ID/credentials -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"username":"antonio@example.com"}' | jq -c .
curl -s "$API/v4/orgs/telco/customers?username=antonio@example.com" -H "Authorization: Bearer $KEY" | jq -c .customer

# an OAuth client of org telco for the Customer Products API (its secret is the last line, shown once)
OUT=$(./crmd clients create --org telco --name partner)
CLIENT_ID=$(echo "$OUT" | sed -n 's/^client_id: //p')
CLIENT_SECRET=$(echo "$OUT" | tail -n1)
TOKEN=$(curl -s -X POST $API/oauth2/token -d grant_type=client_credentials \
  -d client_id=$CLIENT_ID -d client_secret=$CLIENT_SECRET | jq -r .access_token)

# a balance account for the customer; Requestor-ID (a UUID, required on writes) names the person acting
REQ=0198a0f1-4567-7d43-ab00-00000000a11c
PROD=$(curl -s -X POST $API/customers/$ID/products -H "Authorization: Bearer $TOKEN" -H "Requestor-ID: $REQ" \
  -H 'Content-Type: application/json' -d '{"productCode":"BALANCE_ACCOUNT"}' | jq -r .customerProductId)
curl -s $API/products/$PROD -H "Authorization: Bearer $TOKEN" | jq -r .status    # PENDING: no identification yet

# the customer's identity document (PDF, JPEG or PNG, detected from the bytes; 10 MiB at most)
printf '%%PDF-1.7\n%%%%EOF\n' > dni.pdf
PROCESS=$(curl -s -X POST $API/v4/orgs/telco/customers/$ID/identification-processes \
  -H "Authorization: Bearer $KEY" -F type=NIF -F document=@dni.pdf | jq -r .process_id)
LINK=$(curl -s $API/v4/orgs/telco/customers/$ID/identification-processes/$PROCESS \
  -H "Authorization: Bearer $KEY" | jq -r .document.public_url)
curl -s "$LINK" | head -c 8; echo     # a signed link, valid 15 minutes, needs no credential

# the product is now ACTIVE with an issued IBAN; find it by that IBAN, then close it
IBAN=$(curl -s $API/products/$PROD -H "Authorization: Bearer $TOKEN" | jq -r .accountData.iban)
echo "$(curl -s $API/products/$PROD -H "Authorization: Bearer $TOKEN" | jq -r .status) $IBAN"
curl -s "$API/customers/$ID/products?iban=$IBAN" -H "Authorization: Bearer $TOKEN" | jq -c '[.[].customerProductId]'
curl -s -X PATCH $API/products/$PROD -H "Authorization: Bearer $TOKEN" -H "Requestor-ID: $REQ" \
  -H 'Content-Type: application/json' -d '{"status":"CLOSED"}' -w '%{http_code}\n'
curl -s $API/products/$PROD -H "Authorization: Bearer $TOKEN" | jq -r .status

# a webhook to a receiver on this machine (crmhook verifies each delivery's signature and prints it)
OUT=$(curl -s -X POST $API/v4/orgs/telco/webhooks -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"url":"http://'$HOOK'/crm","event_types":["customer.updated","account.created"]}')
WEBHOOK=$(echo "$OUT" | jq -r .id)
SECRET=$(echo "$OUT" | jq -r .secret)    # shown in this answer only
./crmhook --addr $HOOK --secret "$SECRET" > hooks.log &
HOOK_PID=$!
curl -s -X PATCH $API/v4/orgs/telco/customers/$ID -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"preferred_language":"es"}' > /dev/null
for _ in $(seq 40); do grep -q customer.updated hooks.log && break; sleep 0.25; done
cat hooks.log      # customer.updated <event id> signature ok
curl -s $API/v4/orgs/telco/webhooks/$WEBHOOK/dead-letters -H "Authorization: Bearer $KEY" | jq -c .
curl -s -o /dev/null -w '%{http_code}\n' -X DELETE $API/v4/orgs/telco/webhooks/$WEBHOOK -H "Authorization: Bearer $KEY"
kill $HOOK_PID

# the same events from the feed, in commit order
curl -s "$API/v4/orgs/telco/events?limit=3" -H "Authorization: Bearer $KEY" | jq -c '[.events[].type]'

# bulk import: 100 generated customers with an account each, as a migration from a legacy system would
./crmd import --generate 100 --file sample.jsonl
./crmd import --org telco --file sample.jsonl --report rejected.jsonl
curl -s "$API/v4/orgs/telco/external-customers/$(head -1 sample.jsonl | jq -r .external_id)" -H "Authorization: Bearer $KEY" | jq -r .id

# deactivating the customer is refused while it has an open account (409)
curl -s -X DELETE $API/v4/orgs/telco/customers/$ID -H "Authorization: Bearer $KEY" | jq -r '.errors[0].details'
