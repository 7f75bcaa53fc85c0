/** `npm start`'s options from its arguments and environment (infra/local/options.ts). */
import { describe, expect, it } from 'vitest';
import { parseMainOptions } from '../../../infra/local/options';

const cwd = '/home/me/project';

describe('npm start options', () => {
  it('keeps data in ./.tuner by default, or in TUNER_DATA_DIR (relative to the current directory)', () => {
    expect(parseMainOptions([], {}, cwd).dataDir).toBe('/home/me/project/.tuner');
    expect(parseMainOptions([], { TUNER_DATA_DIR: 'data' }, cwd).dataDir).toBe('/home/me/project/data');
    expect(parseMainOptions([], { TUNER_DATA_DIR: '/srv/tuner' }, cwd).dataDir).toBe('/srv/tuner');
    expect(parseMainOptions(['--memory'], { TUNER_DATA_DIR: 'data' }, cwd).dataDir).toBeUndefined();
  });

  it('takes an empty TUNER_DATA_DIR as unset, not as the current directory', () => {
    expect(parseMainOptions([], { TUNER_DATA_DIR: '' }, cwd).dataDir).toBe('/home/me/project/.tuner');
    expect(parseMainOptions([], { TUNER_DATA_DIR: '  ' }, cwd).dataDir).toBe('/home/me/project/.tuner');
  });

  it('takes an empty PORT or TUNER_API_KEY as unset too', () => {
    expect(parseMainOptions([], { PORT: '' }, cwd).port).toBe(3000);
    expect(parseMainOptions([], { TUNER_API_KEY: '' }, cwd).apiKey).toBeUndefined();
    expect(parseMainOptions([], { PORT: '8080', TUNER_API_KEY: 'k' }, cwd)).toMatchObject({ port: 8080, apiKey: 'k' });
    expect(parseMainOptions(['--port', '0'], { PORT: '8080' }, cwd).port).toBe(0);
  });

  it('refuses a port that is not a number from 0 to 65535, and unknown options', () => {
    expect(() => parseMainOptions(['--port', 'http'], {}, cwd)).toThrow('invalid port "http"');
    expect(() => parseMainOptions([], { PORT: '70000' }, cwd)).toThrow('invalid port "70000"');
    expect(() => parseMainOptions(['--nope'], {}, cwd)).toThrow(/--nope/);
  });
});
