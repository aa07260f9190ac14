-- Broker sync (README "Broker sync"): a user's link from a portfolio to a broker account,
-- and the broker's trade id on ledger entries so that re-syncing a trade is a no-op.

-- CreateEnum
CREATE TYPE "Broker" AS ENUM ('KITE', 'UPSTOX');

-- CreateEnum
CREATE TYPE "BrokerConnectionStatus" AS ENUM ('PENDING', 'CONNECTED', 'RECONNECT', 'DISCONNECTED');

-- AlterTable
ALTER TABLE "transactions" ADD COLUMN "external_id" TEXT;

-- CreateTable
CREATE TABLE "broker_connections" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "portfolio_id" UUID NOT NULL,
    "broker" "Broker" NOT NULL,
    "status" "BrokerConnectionStatus" NOT NULL DEFAULT 'PENDING',
    "state_hash" TEXT,
    "state_expires_at" TIMESTAMPTZ(3),
    "token_ciphertext" TEXT,
    "token_expires_at" TIMESTAMPTZ(3),
    "broker_user_id" TEXT,
    "holdings_imported_at" TIMESTAMPTZ(3),
    "last_synced_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "broker_connections_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "transactions_portfolio_id_external_id_key" ON "transactions"("portfolio_id", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "broker_connections_state_hash_key" ON "broker_connections"("state_hash");

-- CreateIndex
CREATE INDEX "broker_connections_user_id_idx" ON "broker_connections"("user_id");

-- CreateIndex
CREATE INDEX "broker_connections_portfolio_id_idx" ON "broker_connections"("portfolio_id");

-- AddForeignKey
ALTER TABLE "broker_connections" ADD CONSTRAINT "broker_connections_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "broker_connections" ADD CONSTRAINT "broker_connections_portfolio_id_fkey" FOREIGN KEY ("portfolio_id") REFERENCES "portfolios"("id") ON DELETE CASCADE ON UPDATE CASCADE;
