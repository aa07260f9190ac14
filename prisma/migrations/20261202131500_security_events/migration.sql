-- Security events (docs/security.md): refused credentials, failed sign-ins, reused
-- refresh tokens, rate-limit storms, refused documents. No foreign keys: an event
-- outlives the key or account it names, and is pruned after SECURITY_EVENT_RETENTION_DAYS.
CREATE TABLE "security_events" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ip" TEXT,
    "api_key_id" UUID,
    "user_id" UUID,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "security_events_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "security_events_occurred_at_idx" ON "security_events"("occurred_at");
CREATE INDEX "security_events_kind_occurred_at_idx" ON "security_events"("kind", "occurred_at");
CREATE INDEX "security_events_ip_occurred_at_idx" ON "security_events"("ip", "occurred_at");
