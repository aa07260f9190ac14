-- Access tokens issued before this instant no longer work (password change, promotion).
ALTER TABLE "users" ADD COLUMN "sessions_valid_after" TIMESTAMPTZ(3);
