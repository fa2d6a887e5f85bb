/** Creates and migrates a PGlite data folder, in a process of its own: initdb's memory spike is not the import's. */
import { openDatabase } from '../src/db/connect.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: bench/init-pglite.ts DIR');
const database = await openDatabase({ dataDir: dir });
await database.close();
