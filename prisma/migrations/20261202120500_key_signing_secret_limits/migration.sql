-- A key's signing secret (request signatures no longer use the key itself, which every
-- request carries) and its own limits below its plan's.
ALTER TABLE "api_keys" ADD COLUMN "signing_secret" TEXT;
ALTER TABLE "api_keys" ADD COLUMN "requests_per_minute" INTEGER;
ALTER TABLE "api_keys" ADD COLUMN "requests_per_day" INTEGER;
