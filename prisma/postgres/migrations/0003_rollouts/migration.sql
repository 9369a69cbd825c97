-- Staged rollouts (issue 14): a cluster's rollout policy, per-director pins, the rollout itself
ALTER TABLE "Cluster" ADD COLUMN "rolloutPolicy" TEXT;
ALTER TABLE "Director" ADD COLUMN "pinnedRevision" INTEGER,
ADD COLUMN "pinnedHash" TEXT;

-- CreateTable
CREATE TABLE "Rollout" (
    "id" TEXT NOT NULL,
    "clusterId" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "fromRevision" INTEGER NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'rollout',
    "policy" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "step" INTEGER NOT NULL DEFAULT 0,
    "steps" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "author" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Rollout_state_idx" ON "Rollout"("state");

-- CreateIndex
CREATE UNIQUE INDEX "Rollout_clusterId_revision_key" ON "Rollout"("clusterId", "revision");

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
