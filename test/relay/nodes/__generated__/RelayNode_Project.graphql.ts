/**
 * @generated SignedSource<<394edaa26af1080a300fd5a43dac9ebb>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_Project$data = {
  readonly fullName: string;
  readonly id: string;
  readonly num: string | null | undefined;
  readonly publicUrl: string | null | undefined;
  readonly url: string | null | undefined;
  readonly " $fragmentType": "RelayNode_Project";
};
export type RelayNode_Project$key = {
  readonly " $data"?: RelayNode_Project$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_Project">;
};

import RelayNodeProjectRefetchQuery_graphql from './RelayNodeProjectRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeProjectRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_Project",
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
      "name": "fullName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "num",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "url",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "publicUrl",
      "storageKey": null
    }
  ],
  "type": "Project",
  "abstractKey": null
};

(node as any).hash = "058d5d33873ed0da604fd5529f5ef65a";

export default node;
