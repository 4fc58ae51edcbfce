// Stand-alone entry of the lab runner (scripts/lab.sh, tests): the same commands as `gwctl lab`.
import { Command } from 'commander';
import { register } from '../cli/commands/lab.ts';

const program = new Command('gwlab');
register(program);
await program.parseAsync(['node', 'gwlab', 'lab', ...process.argv.slice(2)]);
