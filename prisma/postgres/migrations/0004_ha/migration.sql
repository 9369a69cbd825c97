-- HA visibility (issue 14): each director's last HA report, who holds each VIP, the failover timeline
-- AlterTable
ALTER TABLE "Director" ADD COLUMN "ha" JSONB,
ADD COLUMN "haReportedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "HaVip" (
    "clusterId" TEXT NOT NULL,
    "vip" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "owners" TEXT NOT NULL DEFAULT '',
    "lastOwner" TEXT,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "alerted" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "HaVip_pkey" PRIMARY KEY ("clusterId","vip")
);

-- CreateTable
CREATE TABLE "FailoverEvent" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "vip" TEXT NOT NULL,
    "fromDirector" TEXT,
    "toDirector" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "cause" TEXT NOT NULL,
    "failback" BOOLEAN NOT NULL DEFAULT false,
    "warning" TEXT,

    CONSTRAINT "FailoverEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FailoverEvent_clusterId_at_idx" ON "FailoverEvent"("clusterId", "at");

-- AddForeignKey
ALTER TABLE "HaVip" ADD CONSTRAINT "HaVip_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FailoverEvent" ADD CONSTRAINT "FailoverEvent_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
