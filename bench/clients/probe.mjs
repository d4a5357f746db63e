// The fresh-login probe in a process of its own, which the storm raises in priority when it may:
// a client on another machine would not wait for the load processes' CPU, so neither should the
// probe — what it measures is the server's answer, not this 2-core machine's queue.

import { serveParent } from '../lib/child.mjs';
import { timeFreshLogin } from '../lib/fresh-login.mjs';

const ready = serveParent({
  login: ({ system, url, userID, room }) => timeFreshLogin(system, url, userID, room),
});
ready({});
