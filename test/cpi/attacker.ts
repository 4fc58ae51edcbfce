// The attacker of test/cpi/plugin-peers.test.ts: a forged zebra plugin (a ZeroMQ DEALER, not zebra) that
// tries what the hostile tester did to the plugin socket: HELLO claiming the real zebra's pid, SYNC_BEGIN and
// SYNC_END for the next and the current epoch (which swept the FIB before), optionally one huge message.
// Prints as JSON every answer the agent sent (null per attempt that got none) and exits.
//   tsx test/cpi/attacker.ts <endpoint> <claimed pid> <current epoch> [<MiB of junk>]
import { Packr, unpack } from 'msgpackr';
import { Dealer } from 'zeromq';
import { WIRE_VERSION } from '../../wire/gen/wire.gen.ts';

const [endpoint, pidArg, epochArg, mibArg] = process.argv.slice(2);
// Started as root so it can load its modules from any checkout (CI's is a private mktemp dir), then it drops to
// the identity under test before the socket exists: the kernel credentials the agent sees are taken at connect.
const asUid = process.env.ATTACKER_UID;
const asGid = process.env.ATTACKER_GID;
if (asUid !== undefined && asGid !== undefined) {
  process.setgroups!([Number(asGid)]);
  process.setgid!(Number(asGid));
  process.setuid!(Number(asUid));
}
const pid = Number(pidArg);
const epoch = Number(epochArg);
const packr = new Packr({ useRecords: false });
// A refused connection never becomes a peer to send to: sends time out like receives.
const sock = new Dealer({ receiveTimeout: 1500, sendTimeout: 1500, linger: 0 });
sock.connect(endpoint!);

const answers: unknown[] = [];
async function attempt(m: unknown[] | Uint8Array): Promise<void> {
  try {
    await sock.send(m instanceof Uint8Array ? m : packr.pack(m));
    const [reply] = await sock.receive();
    answers.push(unpack(reply!));
  } catch {
    answers.push(null);
  }
}

await attempt([1, 1, WIRE_VERSION, '8.4.4', 'zebra/attacker', false, pid]); // HELLO
for (const e of [epoch + 1, epoch]) {
  await attempt([5, 2, e]); // SYNC_BEGIN
  await attempt([6, 3, e, 0]); // SYNC_END: "the replay announced nothing"
}
if (mibArg) await attempt(new Uint8Array(Number(mibArg) * 1024 * 1024));
process.stdout.write(`${JSON.stringify(answers)}\n`);
sock.close();
process.exit(0);
