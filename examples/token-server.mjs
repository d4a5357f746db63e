import { createServer } from 'node:http';
import { generateToken04, makePrivilegePayload } from '@atrium/token';

const appID = Number(process.env.APP_ID);
const secret = process.env.APP_SERVER_SECRET ?? ''; // 32 characters, shared with the room server
if (!Number.isInteger(appID) || appID < 1 || secret.length !== 32) {
  console.error('Set APP_ID and APP_SERVER_SECRET (32 characters), as the room server printed them.');
  process.exit(1);
}
createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*'); // or only your app's origin
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const roomID = query.get('roomID');
  // Authenticate your user here before handing out a token.
  try {
    const payload = roomID ? makePrivilegePayload({ roomID }) : '';
    res.end(generateToken04(appID, query.get('userID') ?? '', secret, 3600, payload));
  } catch (error) {
    res.writeHead(400).end(error.message);
  }
}).listen(Number(process.env.PORT ?? 3000));
