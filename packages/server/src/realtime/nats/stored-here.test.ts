import { describe, expect, it } from 'vitest';
import { envelopeText } from '../envelope.ts';
import { Sequencer } from '../sequencer.ts';
import { TimetokenClock } from '../timetoken.ts';
import { StoredHere } from './stored-here.ts';

const sequencer = new Sequencer(new TimetokenClock(), 1);
const say = (text: string) => sequencer.message('demo', 'room', { payload: { text }, meta: undefined, publisher: 'alice', customMessageType: undefined });

describe('StoredHere', () => {
  it('hands each stored message to the feed once, as every node reads it back: no id, no alwaysLogged, prev only when known', () => {
    const stored = new StoredHere(10);
    const message = { ...say('hi'), id: 'k.0', alwaysLogged: true as const, prev: undefined };
    stored.add(7, message);
    const taken = stored.take(7);
    expect(taken).toEqual({ subKey: 'demo', channel: 'room', timetoken: message.timetoken, envelope: message.envelope, subject: message.subject });
    expect(Object.keys(taken!)).not.toContain('prev');
    expect(stored.take(7)).toBeUndefined();

    stored.add(9, { ...say('again'), prev: message.timetoken });
    expect(stored.take(9)?.prev).toBe(message.timetoken);
  });

  it('keeps nothing the feed has already passed, and drops what it passed while waiting', () => {
    const stored = new StoredHere(10);
    stored.add(3, say('a'));
    stored.add(5, say('b'));
    expect(stored.take(4)).toBeUndefined(); // 3 was passed before its answer was used
    expect(stored.size).toBe(1);
    stored.add(2, say('late answer'));
    expect(stored.size).toBe(1);
    expect(stored.take(5)?.subject?.data).toEqual({ text: 'b' });
    expect(stored.size).toBe(0);
  });

  it('holds at most its capacity while the feed is behind, dropping the oldest', () => {
    const stored = new StoredHere(3);
    for (let seq = 1; seq <= 5; seq++) stored.add(seq, say(`m${seq}`));
    expect(stored.size).toBe(3);
    expect(stored.take(1)).toBeUndefined();
    expect(stored.take(2)).toBeUndefined();
    expect(stored.take(3)?.subject?.data).toEqual({ text: 'm3' });

    const none = new StoredHere(0);
    none.add(1, say('kept nowhere'));
    expect(none.size).toBe(0);
  });

  it('holds no more than its bytes of envelope text, and parses a message’s filter subject again rather than keep it', () => {
    const big = say('x'.repeat(1000));
    const bytes = 2 * envelopeText(big.envelope).length;
    const stored = new StoredHere(100, 2 * bytes + 10);
    for (let seq = 1; seq <= 4; seq++) stored.add(seq, say('x'.repeat(1000)));
    expect(stored.size).toBe(2);
    stored.add(5, say('y'.repeat(10 * bytes))); // heavier than the whole budget: not kept
    expect(stored.size).toBe(2);
    const taken = stored.take(3);
    expect(taken?.subject).toEqual(big.subject);
    expect(taken?.subject).not.toBe(big.subject);
  });
});
