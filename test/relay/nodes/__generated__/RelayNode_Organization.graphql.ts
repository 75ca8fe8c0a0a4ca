/**
 * @generated SignedSource<<91a5b9479d2ed671296634978c18e27c>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_Organization$data = {
  readonly id: string;
  readonly name: string | null | undefined;
  readonly " $fragmentType": "RelayNode_Organization";
};
export type RelayNode_Organization$key = {
  readonly " $data"?: RelayNode_Organization$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_Organization">;
};

import RelayNodeOrganizationRefetchQuery_graphql from './RelayNodeOrganizationRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeOrganizationRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_Organization",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "id",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "name",
      "storageKey": null
    }
  ],
  "type": "Organization",
  "abstractKey": null
};

(node as any).hash = "c6a984e86e95d2bdfc04a492ff7c85fb";

export default node;
