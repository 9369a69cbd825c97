-- The config is JSON text we serialise ourselves (issue 11 #7): a Json column costs seconds in the engine for a large config.
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ConfigRevision" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "clusterId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "parentId" TEXT,
    "author" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "summary" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ConfigRevision_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "ConfigRevision_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "ConfigRevision" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_ConfigRevision" ("author", "clusterId", "config", "createdAt", "hash", "id", "message", "number", "parentId", "summary") SELECT "author", "clusterId", "config", "createdAt", "hash", "id", "message", "number", "parentId", "summary" FROM "ConfigRevision";
DROP TABLE "ConfigRevision";
ALTER TABLE "new_ConfigRevision" RENAME TO "ConfigRevision";
CREATE INDEX "ConfigRevision_clusterId_createdAt_idx" ON "ConfigRevision"("clusterId", "createdAt");
CREATE UNIQUE INDEX "ConfigRevision_clusterId_number_key" ON "ConfigRevision"("clusterId", "number");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

