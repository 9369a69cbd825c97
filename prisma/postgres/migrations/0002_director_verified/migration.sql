-- A director's live table: its hash, and when the agent last verified it (issue 16)
ALTER TABLE "Director" ADD COLUMN "actualHash" TEXT,
ADD COLUMN "verifiedAt" TIMESTAMP(3);
