import helmet, { type HelmetOptions } from 'helmet';
import { recordHeaders, type RecordedHeaders } from './static-headers';

/**
 * Every response's security headers (helmet): a CSP that admits only the app's own scripts, styles, images, fonts
 * and WebSocket, and no framing. HSTS is left to the TLS edge.
 */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      // 'self' covers ws:// and wss:// to the same host in CSP Level 3 browsers.
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // HSTS is the TLS edge's job (nginx); the app itself may be reached over plain HTTP on loopback.
  strictTransportSecurity: false,
};

/** {@link HELMET_OPTIONS} as helmet sets them, recorded once (see static-headers.ts). */
export const SECURITY_HEADERS: RecordedHeaders = recordHeaders(helmet(HELMET_OPTIONS));
