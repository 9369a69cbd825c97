// Runs only the offline commands (for tests that spawn the CLI without the agent's engines).
import { Command } from 'commander';
import { registerOfflineCommands } from './offline';

const program = new Command('lvs-agent').exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 2));
registerOfflineCommands(program);
await program.parseAsync(process.argv);
