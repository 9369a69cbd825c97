// `npm run user:create -- --username alice --role admin`: create a user from the shell (the way
// to get a first admin without LVS_ADMIN_PASSWORD, or to get back in after losing every admin).
// The password comes from --password-stdin, or is generated and printed once; never from argv,
// where it would sit in the shell history and the process list. --reset sets a new password (and
// enables the user) if the username exists.
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { PasswordSchema, RoleSchema, UsernameSchema, type Role } from '../lib/api/schemas';
import { audit } from '../lib/server/audit';
import { generatePassword, hashPassword } from '../lib/server/auth/secrets';
import { closeDb, db, describeDbFailure } from '../lib/server/db';
import { DatabaseUrlError } from '../lib/server/db-url';
import { migrateDatabase, MigrationError } from '../lib/server/migrate';

const parse =
  <T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, flag: string) =>
  (v: string): T => {
    const r = schema.safeParse(v);
    if (!r.success) throw new InvalidArgumentError(`${flag}: ${r.error.issues[0]?.message}`);
    return r.data;
  };

const program = new Command('user:create')
  .description('create a LVS Console user (or reset one with --reset); the database comes from DATABASE_URL')
  .requiredOption('--username <name>', 'login name', parse(UsernameSchema, '--username'))
  .option('--role <role>', 'admin, operator or viewer', parse(RoleSchema, '--role'), 'admin' as Role)
  .option('--password-stdin', 'read the password from stdin (else one is generated and printed once)')
  .option('--reset', 'if the user exists: set this password and role, and enable it')
  .action(async (opts: { username: string; role: Role; passwordStdin?: boolean; reset?: boolean }) => {
    let password: string;
    let generated = false;
    if (opts.passwordStdin) {
      password = fs.readFileSync(0, 'utf8').replace(/\r?\n$/, '');
      const r = PasswordSchema.safeParse(password);
      if (!r.success) throw new Error(r.error.issues[0]!.message);
    } else {
      password = generatePassword();
      generated = true;
    }
    await migrateDatabase();
    const prisma = await db();
    const existing = await prisma.user.findUnique({ where: { username: opts.username } });
    if (existing && !opts.reset) throw new Error(`user ${opts.username} already exists (add --reset to set a new password)`);
    const passwordHash = await hashPassword(password);
    await prisma.$transaction(async (tx) => {
      if (existing) {
        await tx.user.update({ where: { id: existing.id }, data: { passwordHash, role: opts.role, disabled: false } });
        await tx.session.deleteMany({ where: { userId: existing.id } });
      } else {
        await tx.user.create({ data: { username: opts.username, passwordHash, role: opts.role } });
      }
      await audit(tx, { actor: 'cli:user:create', action: existing ? 'user.update' : 'user.create', target: opts.username, details: { role: opts.role, reset: !!existing } });
    });
    console.log(`${existing ? 'reset' : 'created'} ${opts.role} "${opts.username}"`);
    if (generated) console.log(`password (shown once): ${password}`);
  });

program.parseAsync().then(
  () => closeDb(),
  async (e: unknown) => {
    await closeDb().catch(() => undefined);
    const msg = e instanceof MigrationError || e instanceof DatabaseUrlError ? e.message : (describeDbFailure(e) ?? (e as Error).message);
    console.error(`user:create: ${msg}`);
    process.exit(1);
  },
);
