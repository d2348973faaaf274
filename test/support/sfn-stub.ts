// A Step Functions API stand-in on 127.0.0.1 (AWS JSON 1.0 protocol): it records each request and
// answers StartExecution with a scripted reply — an execution, or an error of the service.
import { type LocalServer, startHttpServer } from './local-http.ts';

export interface SfnRequest {
  /** X-Amz-Target, e.g. AWSStepFunctions.StartExecution */
  readonly target: string | undefined;
  readonly contentType: string | undefined;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
}

export interface SfnReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export const EXECUTION_ARN = 'arn:aws:states:ap-east-1:123456789012:execution:M:NAME';
export const STARTED: SfnReply = { status: 200, body: { executionArn: EXECUTION_ARN, startDate: 1767225600 } };

export interface SfnStub extends LocalServer {
  readonly requests: SfnRequest[];
}

export const startSfnStub = async (reply: SfnReply = STARTED): Promise<SfnStub> => {
  const requests: SfnRequest[] = [];
  const server = await startHttpServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    requests.push({
      target: header('x-amz-target'),
      contentType: header('content-type'),
      authorization: header('authorization'),
      body: JSON.parse(text === '' ? '{}' : text) as Record<string, unknown>,
    });
    res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(reply.body));
  });
  return { ...server, requests };
};

/**
 * The environment an operator's shell gives the CLI to reach Step Functions at `endpoint` (through
 * `variable`: the service's own endpoint variable, or the general one): a region and fake
 * credentials, no profile, no state machine ARN. `undefined`: the variable is unset.
 */
export const sfnEnvironment = (
  endpoint: string,
  variable: 'AWS_ENDPOINT_URL_SFN' | 'AWS_ENDPOINT_URL' = 'AWS_ENDPOINT_URL_SFN',
): Record<string, string | undefined> => ({
  AWS_ENDPOINT_URL_SFN: undefined,
  AWS_ENDPOINT_URL: undefined,
  [variable]: endpoint,
  AWS_REGION: 'ap-east-1',
  AWS_DEFAULT_REGION: undefined,
  AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  SLA_STATE_MACHINE_ARN: undefined,
});

/** Sets `vars` in this process (undefined: unset); returns a function that restores them. */
export const useEnvironment = (vars: Record<string, string | undefined>): (() => void) => {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  return () => apply(saved);
};
