// Relay documents of test/gateway/relay.test.ts, as a Relay app writes them: a bidirectional
// pagination fragment whose `first` has a default, as most Relay apps give it. relay-compiler reads
// this file (it is never run) and writes __generated__/ (nodes/ has a config and artifacts of its own):
//   cd test/relay && npx relay-compiler@21.0.1
import { graphql } from 'relay-runtime';

export const productsFragment = graphql`
  fragment RelayProducts_query on Query
  @refetchable(queryName: "RelayProductsPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 2 }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    products(first: $first, after: $after, last: $last, before: $before, order: ASC)
      @connection(key: "RelayProducts_products") {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`;

/** The list as it ends before a product: the page a Relay app opens, then pages back from with loadPrevious. */
export const productsQuery = graphql`
  query RelayProductsQuery($last: Int, $before: String) {
    ...RelayProducts_query @arguments(last: $last, before: $before)
  }
`;
