/** HTTP paths besides /graphql that the gateway forwards as they are to the subgraph serving them. */

/** Offset certificates (`GET /offset-certificates/<order id>.pdf?expires=…&signature=…`). */
export const CERTIFICATE_PATH = '/offset-certificates/';
