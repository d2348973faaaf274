// Promise.withResolvers for Node 20: the polyfill lives beside the CLI code that needs it.
import '../../shared/promise-with-resolvers.ts';
