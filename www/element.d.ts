// Types of `<shopwindow-recs>` (element.js): importing the module defines the element.

import type { ItemResult, Shopwindow } from './index.js';

/**
 * A row of recommendations configured by attributes, no code needed:
 *
 * - `placement`: "for-you" | "similar" (with `item`) | "together" (with `items="ID ID"` or
 *   `item`; neither: the basket recorded on this device) | "trending" (optional `category`).
 * - `k`: cards (default 8, 1 to 48). `category`: "trending in" / for-you within a category.
 * - `item`: the product of the page; its view is recorded once the row is on screen.
 * - `heading` (a visible h2) or `label` (an aria-label only); default heading per placement.
 * - `fresh` (for-you and similar): a share in [0, 0.5] of the cards for new, content-derived
 *   products (`fresh: { share }`; README, "Fresh").
 * - Page-wide, as an attribute or `<meta name="shopwindow-NAME" content="…">`: `catalog`
 *   (required), `link` (card href, `{id}` replaced; default "?item={id}"), `currency`,
 *   `worker` ("false": score on the page), `version`, `integrity`, `track` ("off").
 * - A `<template>` child is the store's card: `data-field` = `link` (href), `image` (src),
 *   `title`, `price`, `category`, `id` (text). Other children are the fallback shown when
 *   the row cannot be computed.
 *
 * `data-state` is "loading", "ready", "empty" or "error"; a `shopwindow-render` event
 * (bubbling, `detail.items`) follows each render.
 */
export declare class ShopwindowRecs extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The page's shop for this element's catalog, shared by every row of the page. */
  readonly shop: Promise<Shopwindow>;
}

export interface ShopwindowRenderDetail {
  items: ItemResult[];
}

declare global {
  interface HTMLElementTagNameMap {
    'shopwindow-recs': ShopwindowRecs;
  }
  interface HTMLElementEventMap {
    'shopwindow-render': CustomEvent<ShopwindowRenderDetail>;
  }
}
