-- Dead letters and retry states said how a delivery failed in the words of
-- the network stack ("dial tcp 10.0.0.7:5432: connection refused"), which
-- let a subscriber map the service's network. Only the status stays.
UPDATE webhook_dead_letters SET last_error = CASE
        WHEN last_error LIKE 'answered HTTP ___' THEN 'delivery failed: ' || substr(last_error, 15, 3)
        ELSE 'delivery failed' END
    WHERE last_error NOT LIKE 'delivery failed%';
UPDATE webhook_attempts SET last_error = CASE
        WHEN last_error LIKE 'answered HTTP ___' THEN 'delivery failed: ' || substr(last_error, 15, 3)
        ELSE 'delivery failed' END
    WHERE last_error NOT LIKE 'delivery failed%';
