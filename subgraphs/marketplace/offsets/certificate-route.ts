// GET /offset-certificates/{orderId}.pdf: the PDF certificate of a completed offset order.
// Allowed with a valid signed link (from `OffsetOrder.certificate.url`) or with the bearer token
// of the order's buyer or an admin; anything else is a 404, so ids cannot be probed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { maySee, type ObjectRule } from '../../../lib/access.ts';
import { UpstreamHttpError, UpstreamUnreachableError } from '../../../lib/http-client.ts';
import type { RequestContext } from '../../../lib/subgraph.ts';
import { CERTIFICATE_PATH, type CertificateSigner } from './certificate-link.ts';
import type { OffsetOrderSource, OffsetOrderView } from './source.ts';

function send(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify({ error: message }));
}

/** `rule`: the offset order's access rule (policy.ts), the same one every GraphQL path applies. */
export function certificateRoute(
  signer: CertificateSigner,
  sourceFor: (base: RequestContext) => OffsetOrderSource,
  rule: ObjectRule<OffsetOrderView>,
) {
  return async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'Method not allowed', { allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = /^([^/]+)\.pdf$/.exec(url.pathname.slice(CERTIFICATE_PATH.length));
    if (!match) return send(res, 404, 'Not found');
    const orderId = decodeURIComponent(match[1]!);
    const signed = signer.verify(orderId, url.searchParams.get('expires'), url.searchParams.get('signature'));
    const viewer = ctx.auth.viewer;
    if (!signed && !viewer) {
      return send(
        res,
        401,
        url.searchParams.has('signature')
          ? 'The link is invalid or has expired'
          : (ctx.auth.tokenProblem ?? 'Authentication required'),
        {
          'www-authenticate': 'Bearer',
        },
      );
    }
    try {
      const source = sourceFor(ctx);
      const [found] = await source.offsetOrdersByIds([orderId]);
      if (found instanceof Error) throw found;
      const order = found ?? null;
      const allowed = signed || (order !== null && (await maySee(rule, order, ctx)));
      if (!order || !allowed || order.status !== 'COMPLETE') return send(res, 404, 'Certificate not found');
      const pdf = await source.certificatePdf(order);
      if (!pdf) return send(res, 404, 'Certificate not found');
      res.writeHead(200, {
        'content-type': 'application/pdf',
        'content-length': String(pdf.length),
        'content-disposition': `attachment; filename="offset-certificate-${orderId}.pdf"`,
        'cache-control': 'private, no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : pdf);
    } catch (error) {
      if (error instanceof UpstreamHttpError && error.status === 429)
        return send(res, 429, 'Rate limit exceeded, try again later');
      if (error instanceof UpstreamHttpError || error instanceof UpstreamUnreachableError)
        return send(res, 502, 'The offset-orders service is unavailable');
      ctx.log.error({ err: error }, 'certificate download failed');
      return send(res, 500, 'Internal server error');
    }
  };
}
