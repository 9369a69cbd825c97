-- Health history and alert delivery (issue 14 parts 5 and 6)
-- CreateTable
CREATE TABLE "HealthTransition" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clusterId" TEXT NOT NULL,
    "directorId" TEXT NOT NULL,
    "serviceKey" TEXT NOT NULL,
    "serverKey" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "healthy" BOOLEAN NOT NULL,
    "reason" TEXT NOT NULL,
    "error" TEXT,
    "heldDown" BOOLEAN NOT NULL DEFAULT false
);

-- CreateTable
CREATE TABLE "AlertSettings" (
    "clusterId" TEXT NOT NULL PRIMARY KEY,
    "flapTransitions" INTEGER NOT NULL DEFAULT 4,
    "flapWindowMinutes" INTEGER NOT NULL DEFAULT 10,
    "holdDownSeconds" INTEGER NOT NULL DEFAULT 0,
    "disconnectSeconds" INTEGER NOT NULL DEFAULT 60,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AlertSettings_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertTarget" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clusterId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "kinds" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AlertTarget_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clusterId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "dedupKey" TEXT,
    "payload" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "eventId" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "claimedBy" TEXT,
    "claimedUntil" DATETIME,
    "lastError" TEXT,
    "responseCode" INTEGER,
    "deliveredAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "AlertDelivery_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "AlertEvent" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "AlertDelivery_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "AlertTarget" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "HealthTransition_clusterId_serviceKey_at_idx" ON "HealthTransition"("clusterId", "serviceKey", "at");

-- CreateIndex
CREATE INDEX "HealthTransition_at_idx" ON "HealthTransition"("at");

-- CreateIndex
CREATE UNIQUE INDEX "HealthTransition_directorId_serviceKey_serverKey_at_healthy_key" ON "HealthTransition"("directorId", "serviceKey", "serverKey", "at", "healthy");

-- CreateIndex
CREATE UNIQUE INDEX "AlertTarget_clusterId_name_key" ON "AlertTarget"("clusterId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "AlertEvent_dedupKey_key" ON "AlertEvent"("dedupKey");

-- CreateIndex
CREATE INDEX "AlertEvent_clusterId_at_idx" ON "AlertEvent"("clusterId", "at");

-- CreateIndex
CREATE INDEX "AlertDelivery_status_nextAttemptAt_idx" ON "AlertDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_clusterId_createdAt_idx" ON "AlertDelivery"("clusterId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AlertDelivery_eventId_targetId_key" ON "AlertDelivery"("eventId", "targetId");

