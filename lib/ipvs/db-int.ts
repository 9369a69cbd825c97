// The range of an INTEGER column (PostgreSQL int4; SQLite stores more, but both must agree):
// revision numbers, minute buckets, counts. Schemas whose numbers land in such a column cap them
// here, so an out-of-range number is a 400 naming the field, not a database error.
export const DB_INT_MAX = 2_147_483_647;
export const DB_INT_MIN = -2_147_483_648;
