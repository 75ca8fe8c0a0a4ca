/**
 * @generated SignedSource<<fedc30db91ff91cf2f430c40a48c1ea1>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ReaderFragment } from 'relay-runtime';
import type { FragmentRefs } from "relay-runtime";
export type RelayNode_ResoldProduct$data = {
  readonly alcoholPercentage: any | null | undefined;
  readonly brandName: string | null | undefined;
  readonly categories: ReadonlyArray<string>;
  readonly createdAt: any;
  readonly customId: string | null | undefined;
  readonly description: string | null | undefined;
  readonly gtin: string | null | undefined;
  readonly id: string;
  readonly imageUrl: string | null | undefined;
  readonly ingredients: string | null | undefined;
  readonly name: string;
  readonly netQuantity: {
    readonly unit: string;
    readonly value: any;
  } | null | undefined;
  readonly packagingMaterial: string | null | undefined;
  readonly packagingType: string | null | undefined;
  readonly packagingWeight: {
    readonly unit: string;
    readonly value: any;
  } | null | undefined;
  readonly pickUpLocation: string;
  readonly productionLocation: string;
  readonly shipToLocation: string;
  readonly updatedAt: any;
  readonly yearlySalesVolumes: ReadonlyArray<{
    readonly tonnes: any;
    readonly year: number;
  }>;
  readonly " $fragmentType": "RelayNode_ResoldProduct";
};
export type RelayNode_ResoldProduct$key = {
  readonly " $data"?: RelayNode_ResoldProduct$data;
  readonly " $fragmentSpreads": FragmentRefs<"RelayNode_ResoldProduct">;
};

import RelayNodeResoldProductRefetchQuery_graphql from './RelayNodeResoldProductRefetchQuery.graphql';

const node: ReaderFragment = (function(){
var v0 = [
  {
    "alias": null,
    "args": null,
    "kind": "ScalarField",
    "name": "value",
    "storageKey": null
  },
  {
    "alias": null,
    "args": null,
    "kind": "ScalarField",
    "name": "unit",
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
      "operation": RelayNodeResoldProductRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "RelayNode_ResoldProduct",
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
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "customId",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "gtin",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "brandName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "description",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "categories",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "imageUrl",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "ingredients",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "alcoholPercentage",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "packagingMaterial",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "packagingType",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "ResoldProductQuantity",
      "kind": "LinkedField",
      "name": "packagingWeight",
      "plural": false,
      "selections": (v0/*:: as any*/),
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "ResoldProductQuantity",
      "kind": "LinkedField",
      "name": "netQuantity",
      "plural": false,
      "selections": (v0/*:: as any*/),
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "pickUpLocation",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "productionLocation",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "shipToLocation",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "concreteType": "YearlySalesVolume",
      "kind": "LinkedField",
      "name": "yearlySalesVolumes",
      "plural": true,
      "selections": [
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "year",
          "storageKey": null
        },
        {
          "alias": null,
          "args": null,
          "kind": "ScalarField",
          "name": "tonnes",
          "storageKey": null
        }
      ],
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "createdAt",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "updatedAt",
      "storageKey": null
    }
  ],
  "type": "ResoldProduct",
  "abstractKey": null
};
})();

(node as any).hash = "5b3fff61968493a4817ce40a6c37356b";

export default node;
