-- The retention job (src/services/retention.service.ts) deletes login attempts and rolls
-- up usage records by age, across all accounts: the existing indexes lead with the email,
-- the address or the user, so without these each run would read the whole table.
CREATE INDEX "login_attempts_created_at_idx" ON "login_attempts"("created_at");
CREATE INDEX "usage_records_created_at_idx" ON "usage_records"("created_at");
