// Native and database modules stay outside the server bundle (better-sqlite3 is a native addon).
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ['better-sqlite3', '@prisma/adapter-better-sqlite3', '@prisma/adapter-pg', 'pg'],
  typedRoutes: false,
  poweredByHeader: false,
  devIndicators: false,
};
export default nextConfig;
