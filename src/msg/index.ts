export { connect, listen, DEFAULT_MESSENGER_LIMITS } from './messenger.js';
export type {
  ConnectOptions,
  Connection,
  ConnectionStats,
  LinkState,
  ListenOptions,
  Listener,
  Log,
  LogLevel,
  MessageHandler,
  MessengerLimits,
  RequestContext,
  RequestOptions,
} from './messenger.js';
