-- HA visibility (issue 14): each director's last HA report, who holds each VIP, the failover timeline
-- AlterTable
ALTER TABLE "Director" ADD COLUMN "ha" JSONB;
ALTER TABLE "Director" ADD COLUMN "haReportedAt" DATETIME;

-- CreateTable
CREATE TABLE "HaVip" (
    "clusterId" TEXT NOT NULL,
    "vip" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "owners" TEXT NOT NULL DEFAULT '',
    "lastOwner" TEXT,
    "since" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "alerted" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("clusterId", "vip"),
    CONSTRAINT "HaVip_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FailoverEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clusterId" TEXT NOT NULL,
    "vip" TEXT NOT NULL,
    "fromDirector" TEXT,
    "toDirector" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cause" TEXT NOT NULL,
    "failback" BOOLEAN NOT NULL DEFAULT false,
    "warning" TEXT,
    CONSTRAINT "FailoverEvent_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "FailoverEvent_clusterId_at_idx" ON "FailoverEvent"("clusterId", "at");

