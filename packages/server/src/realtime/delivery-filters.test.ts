import { describe, expect, it } from 'vitest';
import { RosterError } from '../errors.ts';
import { ChannelFilters } from './delivery-filters.ts';
import { parseMessageFilter } from './message-filter.ts';

const one = parseMessageFilter('meta.n == 1');
const two = parseMessageFilter('meta.n == 2');
const three = parseMessageFilter('meta.n == 3');

describe('ChannelFilters', () => {
  it('refuses one distinct filter more than the bound on a channel, naming filter-expr', () => {
    const filters = new ChannelFilters();
    filters.add('room', one);
    filters.add('room', two);
    expect(() => filters.checkRoom(['lobby', 'room'], three, 2)).toThrow(RosterError);
    expect(() => filters.checkRoom(['lobby', 'room'], three, 2)).toThrow(/Channel 'room' already has 2 distinct filter expressions/);
    expect(() => filters.checkRoom(['room'], parseMessageFilter('meta.n == 1'), 2)).not.toThrow(); // same text, same filter
    expect(() => filters.checkRoom(['lobby'], three, 2)).not.toThrow();
  });

  it('makes room again when the last poll holding a filter leaves', () => {
    const filters = new ChannelFilters();
    filters.add('room', one);
    filters.add('room', one);
    filters.add('room', two);
    filters.remove('room', one);
    expect(() => filters.checkRoom(['room'], three, 2)).toThrow(RosterError);
    filters.remove('room', one);
    expect(() => filters.checkRoom(['room'], three, 2)).not.toThrow();
    filters.remove('room', three); // never added: nothing happens
    filters.remove('room', two);
    filters.add('room', three);
    expect(() => filters.checkRoom(['room'], one, 2)).not.toThrow();
  });
});
