// The stem's filters as colour tiles and the most active feature maps after each stage.
import { useMemo } from 'react';
import type { FeatureMaps, FilterTiles } from '../../engine/inspect';
import { Pixels } from './Pixels';
import { grayToRgba, rgbToRgba } from './rgba';

/** Tiles are shown this wide whatever the kernel (3×3 or 7×7). */
const TILE_PX = 36;
/** Feature maps are shown this wide whatever their size (32×32 down to 4×4). */
const MAP_PX = 52;

export function FiltersView({ filters }: { filters: FilterTiles }) {
  const { count, kernel, rgb } = filters;
  const tiles = useMemo(() => {
    const size = kernel * kernel * 3;
    return Array.from({ length: count }, (_, o) =>
      rgbToRgba(rgb.subarray(o * size, (o + 1) * size)),
    );
  }, [count, kernel, rgb]);
  return (
    <figure className="chart inside-figure" data-testid="inside-filters">
      <figcaption>
        First-layer filters: {count} × {kernel}×{kernel} RGB, each scaled to its own range
      </figcaption>
      <div className="inside-tiles">
        {tiles.map((rgba, o) => (
          <Pixels
            key={o}
            width={kernel}
            height={kernel}
            rgba={rgba}
            size={TILE_PX}
            title={`filter ${o}`}
          />
        ))}
      </div>
    </figure>
  );
}

export function FeatureMapsView({ featureMaps }: { featureMaps: FeatureMaps[] }) {
  return (
    <figure className="chart inside-figure inside-wide" data-testid="inside-feature-maps">
      <figcaption>
        Feature maps after the stem and each stage: the most active channels (highest mean
        activation first), each scaled to its own range
      </figcaption>
      {featureMaps.map((f) => (
        <FeatureMapRow key={f.name} maps={f} />
      ))}
    </figure>
  );
}

function FeatureMapRow({ maps }: { maps: FeatureMaps }) {
  const [channels, height, width] = maps.shape;
  const images = useMemo(() => {
    const pixels = height * width;
    return maps.channels.map((_, i) =>
      grayToRgba(maps.maps.subarray(i * pixels, (i + 1) * pixels)),
    );
  }, [maps, height, width]);
  return (
    <div className="inside-map-row" data-testid={`inside-maps-${maps.name}`}>
      <div className="inside-map-label">
        <strong>{maps.name}</strong>
        <span className="muted">
          {channels}×{height}×{width}
        </span>
        <span className="muted">
          {maps.channels.length < channels ? `top ${maps.channels.length}` : 'all channels'}
        </span>
      </div>
      <div className="inside-maps">
        {images.map((rgba, i) => (
          <Pixels
            key={maps.channels[i]}
            width={width}
            height={height}
            rgba={rgba}
            size={MAP_PX}
            title={`channel ${maps.channels[i]}, mean ${maps.means[i].toFixed(3)}`}
          />
        ))}
      </div>
    </div>
  );
}
