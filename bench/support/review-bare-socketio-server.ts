/**
 * Baseline for the review benchmark: the least a socket.io server can do. `new Server(port)` answers the
 * acknowledgement of every `ping` event at once, with no database, no Redis and no authentication. Run as its
 * own process (PORT from the environment), like the API.
 */
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const io = new Server(port, { serveClient: false });
io.on('connection', (socket) => {
  socket.on('ping', (payload: unknown, ack?: (answer: unknown) => void) => {
    if (typeof ack === 'function') ack({ ok: true, echo: payload });
  });
});
console.log(`bare socket.io server listening on ${port}`);
process.once('SIGTERM', () => {
  void io.close(() => process.exit(0));
});
