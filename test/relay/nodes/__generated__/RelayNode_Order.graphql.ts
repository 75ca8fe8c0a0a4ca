/**
 * @generated SignedSource<<944357f8e1e70da953500ecdbffbfe23>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
export type MassUnit = "G" | "KG" | "T" | "%future added value";
export type OrderStatus = "CANCELLED" | "COMPLETED" | "PENDING" | "UNKNOWN" | "%future added value";
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_Order$data = {
  readonly createdAt: any;
  readonly id: string;
  readonly isPublic: boolean;
  readonly orderHash: string | null | undefined;
  readonly quantity: {
    readonly amount: any;
    readonly unit: MassUnit;
  };
  readonly status: OrderStatus;
  readonly totalPrice: {
    readonly amount: any;
    readonly currency: any;
  };
  readonly unitPrice: {
    readonly amount: any;
    readonly currency: any;
  };
  readonly " $fragmentType": "RelayNode_Order";
};
export type RelayNode_Order$key = {
  readonly " $data"?: RelayNode_Order$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_Order">;
};

import RelayNodeOrderRefetchQuery_graphql from './RelayNodeOrderRefetchQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "amount",
  "storageKey": null
},
v1 = [
  (v0/*:: as any*/),
  {
    "alias": null,
    "args": null,
    "kind": "ScalarField",
    "name": "currency",
    "storageKey": null
  }
];
return {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": RelayNodeOrderRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_Order",
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
      "concreteType": "Mass",
      "kind": "LinkedField",
      "name": "quantity",
      "plural": false,
      "selections": [
        (v0/*:: as any*/),
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "unit",
          "storageKey": null
        }
      ],
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Money",
      "kind": "LinkedField",
      "name": "unitPrice",
      "plural": false,
      "selections": (v1/*:: as any*/),
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "Money",
      "kind": "LinkedField",
      "name": "totalPrice",
      "plural": false,
      "selections": (v1/*:: as any*/),
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "status",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "isPublic",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "orderHash",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "createdAt",
      "storageKey": null
    }
  ],
  "type": "Order",
  "abstractKey": null
};
})();

(node as any).hash = "d567de4a537b6adaee822b6c1fe34ae0";

export default node;
