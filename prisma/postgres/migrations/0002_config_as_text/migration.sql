-- The config is JSON text we serialise ourselves (issue 11 #7): a Json column costs seconds in the engine for a large config.
ALTER TABLE "ConfigRevision" ALTER COLUMN "config" SET DATA TYPE TEXT USING "config"::text;
