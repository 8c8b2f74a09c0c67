/** Hop-by-hop headers are about one connection; they are never forwarded or replayed (RFC 9110 7.6.1). */
export const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade'];
