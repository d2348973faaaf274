// Promise.withResolvers (ES2024) for Node 20, which lacks it: aws-local-stepfunctions 3 calls it.
// Import this module before aws-local-stepfunctions. Where Node has it, nothing changes.

interface Resolvers<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason?: unknown) => void;
}

type WithResolvers = <T>(this: PromiseConstructor) => Resolvers<T>;

const promiseConstructor = Promise as PromiseConstructor & { withResolvers?: WithResolvers };

if (typeof promiseConstructor.withResolvers !== 'function') {
  const withResolvers: WithResolvers = function <T>(this: PromiseConstructor) {
    let resolve: Resolvers<T>['resolve'] = () => {};
    let reject: Resolvers<T>['reject'] = () => {};
    // `this`, as the spec has it: a subclass's withResolvers makes an instance of the subclass.
    const promise = new this<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

export {};
