-- AlterTable
ALTER TABLE "usage_records" ADD COLUMN     "requests" INTEGER NOT NULL DEFAULT 1;
