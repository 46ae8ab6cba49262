import type { KeyboardEvent } from 'react';
import { edgeKey, type GraphLayout, type LaidEdge, type LaidNode, nodeKey } from '../graph-layout.ts';
import type { Selection } from './selection.ts';

/** Enter and Space act like a click, as on a button. */
function activateOnKey(action: () => void) {
  return (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      action();
    }
  };
}

const STYLE_NAMES = {
  m2m: 'machine-to-machine grant',
  obo: 'on-behalf-of grant',
  mrrt: 'refresh-token policy',
  rbac: 'role permissions',
} as const;

function Node({
  node,
  clipId,
  selected,
  onSelect,
}: {
  node: LaidNode;
  clipId: string;
  selected: boolean;
  onSelect: () => void;
}) {
  // The button's name is its visible text, title and subtitle in full; the clip hides what does not fit the box.
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; a focusable group with role=button is the SVG way.
    <g
      className={`node node-${node.ref.kind}${selected ? ' selected' : ''}`}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      data-testid="graph-node"
      data-key={node.key}
      data-kind={node.ref.kind}
      data-name={node.title}
      onClick={onSelect}
      onKeyDown={activateOnKey(onSelect)}
    >
      <clipPath id={clipId}>
        <rect x={node.x + 8} y={node.y} width={node.width - 16} height={node.height} />
      </clipPath>
      <rect
        className="focus-ring"
        x={node.x - 4}
        y={node.y - 4}
        width={node.width + 8}
        height={node.height + 8}
        rx={12}
      />
      <rect className="node-box" x={node.x} y={node.y} width={node.width} height={node.height} rx={9} />
      <text className="node-title" x={node.x + 12} y={node.y + node.height / 2 - 3} clipPath={`url(#${clipId})`}>
        {node.title}
      </text>
      <text className="node-subtitle" x={node.x + 12} y={node.y + node.height / 2 + 15} clipPath={`url(#${clipId})`}>
        {` ${node.subtitle}`}
      </text>
    </g>
  );
}

function Edge({ edge, selected, onSelect }: { edge: LaidEdge; selected: boolean; onSelect: () => void }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: SVG has no <button>; a focusable group with role=button is the SVG way.
    <g
      className={`edge edge-${edge.style}${selected ? ' selected' : ''}`}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${STYLE_NAMES[edge.style]}: ${edge.description}`}
      data-testid="graph-edge"
      data-style={edge.style}
      data-key={edge.key}
      onClick={onSelect}
      onKeyDown={activateOnKey(onSelect)}
    >
      <title>{edge.description}</title>
      <path className="edge-hit" d={edge.path} />
      <path className="edge-line" d={edge.path} markerEnd={`url(#arrow-${edge.style})`} />
      <text className="edge-label" x={edge.labelX} y={edge.labelY}>
        {edge.label}
      </text>
    </g>
  );
}

/**
 * The picture itself: hand-laid columns, every node and every edge a focusable button. Nodes come first in
 * the DOM (tab order: applications, APIs, roles, then the edges); edges never cross a node's box.
 */
/**
 * Arrow keys move between nodes: up and down within a column, left and right to the nearest node of the
 * next column. Returns the node to focus, if any.
 */
function neighbour(layout: GraphLayout, fromKey: string, key: string): LaidNode | undefined {
  const from = layout.nodes.find((n) => n.key === fromKey);
  if (!from) return undefined;
  const middle = (n: LaidNode) => n.y + n.height / 2;
  if (key === 'ArrowUp' || key === 'ArrowDown') {
    const column = layout.nodes.filter((n) => n.x === from.x).sort((a, b) => a.y - b.y);
    return column[column.indexOf(from) + (key === 'ArrowDown' ? 1 : -1)];
  }
  if (key !== 'ArrowLeft' && key !== 'ArrowRight') return undefined;
  const xs = [...new Set(layout.nodes.map((n) => n.x))].sort((a, b) => a - b);
  const targetX = xs[xs.indexOf(from.x) + (key === 'ArrowRight' ? 1 : -1)];
  const candidates = layout.nodes.filter((n) => n.x === targetX);
  return candidates.sort((a, b) => Math.abs(middle(a) - middle(from)) - Math.abs(middle(b) - middle(from)))[0];
}

export function Graph({
  layout,
  selection,
  onSelect,
}: {
  layout: GraphLayout;
  selection: Selection;
  onSelect: (selection: Selection) => void;
}) {
  const onArrow = (event: KeyboardEvent<SVGSVGElement>) => {
    const from = (event.target as Element).closest('[data-testid="graph-node"]')?.getAttribute('data-key');
    const next = from ? neighbour(layout, from, event.key) : undefined;
    if (!next) return;
    event.preventDefault();
    const target = event.currentTarget.querySelector(`[data-key="${CSS.escape(next.key)}"]`);
    if (target instanceof SVGElement) target.focus();
  };
  const selectedKey =
    selection?.type === 'node' ? nodeKey(selection.ref) : selection?.type === 'edge' ? edgeKey(selection.ref) : '';
  return (
    <svg
      className="graph"
      viewBox={`-6 0 ${layout.width + 12} ${layout.height + 8}`}
      style={{ maxWidth: `calc(${layout.width + 12}px * var(--scale))` }}
      data-testid="graph"
      onKeyDown={onArrow}
    >
      <title>System picture: applications, APIs and roles, with the grants and permissions between them</title>
      <defs>
        {(['m2m', 'obo', 'mrrt', 'rbac'] as const).map((style) => (
          <marker
            key={style}
            id={`arrow-${style}`}
            className={`arrow arrow-${style}`}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerUnits="userSpaceOnUse"
            markerWidth="12"
            markerHeight="12"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
        ))}
      </defs>
      {layout.columns.map((column) => (
        <text key={column.title} className="column-title" x={column.x} y={22}>
          {column.title}
        </text>
      ))}
      {layout.nodes.map((node, index) => (
        <Node
          key={node.key}
          node={node}
          clipId={`node-clip-${index}`}
          selected={node.key === selectedKey}
          onSelect={() => onSelect({ type: 'node', ref: node.ref })}
        />
      ))}
      {layout.edges.map((edge) => (
        <Edge
          key={edge.key}
          edge={edge}
          selected={edge.key === selectedKey}
          onSelect={() => onSelect({ type: 'edge', ref: edge.ref })}
        />
      ))}
    </svg>
  );
}

/** The legend: which line style means what. */
export function GraphLegend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li className="legend-item">
        <svg width="44" height="12" aria-hidden="true">
          <path className="legend-line edge-m2m" d="M 2 6 H 42" />
        </svg>
        machine to machine (client grant)
      </li>
      <li className="legend-item">
        <svg width="44" height="12" aria-hidden="true">
          <path className="legend-line edge-obo" d="M 2 6 H 42" />
        </svg>
        on behalf of a user (token exchange)
      </li>
      <li className="legend-item">
        <svg width="44" height="12" aria-hidden="true">
          <path className="legend-line edge-mrrt" d="M 2 6 H 42" />
        </svg>
        refresh token for more APIs (MRRT)
      </li>
      <li className="legend-item">
        <svg width="44" height="12" aria-hidden="true">
          <path className="legend-line edge-rbac" d="M 2 6 H 42" />
        </svg>
        role holds permissions on the API
      </li>
    </ul>
  );
}
