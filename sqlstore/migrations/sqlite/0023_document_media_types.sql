-- document.media_type answers the media type, as the documentation's
-- example does ("application/pdf"), not pdf, jpeg or png. Events written
-- before keep the short names: they are history.
UPDATE identification_processes SET media_type = CASE media_type
    WHEN 'pdf' THEN 'application/pdf'
    WHEN 'jpeg' THEN 'image/jpeg'
    WHEN 'png' THEN 'image/png'
    ELSE media_type END;
