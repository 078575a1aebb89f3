// An HTTP client that trusts one extra CA, for in-process clients of the emulator (NODE_EXTRA_CA_CERTS is read at start only).
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';

export function trustingHttpClient(ca: string): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    sendRequest(request) {
      request.tlsSettings = { ...request.tlsSettings, ca };
      return inner.sendRequest(request);
    },
  };
}
