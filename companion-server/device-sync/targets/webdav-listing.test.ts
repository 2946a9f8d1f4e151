/**
 * PROPFIND listings as servers other than rclone write them (issue 22): Nextcloud (sabre/dav: `d:` prefixes,
 * absolute paths, percent-encoding, a 404 propstat beside the 200 one) and Apache mod_dav (`D:` and `lp1:`
 * namespaces, full URLs). The listing is untrusted: odd entries are skipped, broken XML is a clear error.
 */
import { describe, expect, it } from 'vitest';
import { entriesOf } from './webdav';

const nextcloud = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns">
 <d:response><d:href>/remote.php/dav/files/ana/pixel%20lab/devices/d-aaaaaaaaaaaaaaaa/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype>
   <d:getlastmodified>Sun, 06 Dec 2026 10:00:00 GMT</d:getlastmodified></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/files/ana/pixel%20lab/devices/d-aaaaaaaaaaaaaaaa/log-000000001.jsonl</d:href>
  <d:propstat><d:prop><d:resourcetype/><d:getcontentlength>1234</d:getcontentlength>
   <d:getlastmodified>Sun, 06 Dec 2026 10:00:05 GMT</d:getlastmodified></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><oc:size/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>
 <d:response><d:href>/remote.php/dav/files/ana/pixel%20lab/devices/d-aaaaaaaaaaaaaaaa/log-000000002%20(Laptop%27s%20conflicted%20copy).jsonl</d:href>
  <d:propstat><d:prop><d:resourcetype/><d:getcontentlength>7</d:getcontentlength></d:prop>
   <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>%E0%A4%A</d:href></d:response>
</d:multistatus>`;

const apache = `<?xml version="1.0" encoding="utf-8"?>
<D:multistatus xmlns:D="DAV:" xmlns:ns0="DAV:">
<D:response xmlns:lp1="DAV:"><D:href>https://dav.example.com/sync/devices/</D:href>
<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
<D:response xmlns:lp1="DAV:"><D:href>https://dav.example.com/sync/devices/d-bbbbbbbbbbbbbbbb/</D:href>
<D:propstat><D:prop><lp1:resourcetype><D:collection/></lp1:resourcetype></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>
</D:multistatus>`;

describe('PROPFIND listings', () => {
  it('reads Nextcloud’s: its own entry left out, names decoded, sizes and times from the 200 propstat', () => {
    const entries = entriesOf(nextcloud, '/remote.php/dav/files/ana/pixel%20lab/devices/d-aaaaaaaaaaaaaaaa/', 'test');
    expect(entries).toEqual([
      { name: 'log-000000001.jsonl', folder: false, size: 1234, mtimeMs: Date.parse('2026-12-06T10:00:05Z') },
      { name: "log-000000002 (Laptop's conflicted copy).jsonl", folder: false, size: 7, mtimeMs: 0 },
    ]);
  });

  it('reads Apache mod_dav’s, with full URLs and other prefixes', () => {
    expect(entriesOf(apache, '/sync/devices/', 'test')).toEqual([
      { name: 'd-bbbbbbbbbbbbbbbb', folder: true, size: 0, mtimeMs: 0 },
    ]);
  });

  it('reads a whole tree (Depth: infinity) as paths below the folder asked for', () => {
    expect(entriesOf(nextcloud, '/remote.php/dav/files/ana/pixel%20lab/devices/', 'test', true)).toEqual([
      { name: 'd-aaaaaaaaaaaaaaaa', folder: true, size: 0, mtimeMs: Date.parse('2026-12-06T10:00:00Z') },
      {
        name: 'd-aaaaaaaaaaaaaaaa/log-000000001.jsonl',
        folder: false,
        size: 1234,
        mtimeMs: Date.parse('2026-12-06T10:00:05Z'),
      },
      { name: "d-aaaaaaaaaaaaaaaa/log-000000002 (Laptop's conflicted copy).jsonl", folder: false, size: 7, mtimeMs: 0 },
    ]);
    // An entry outside the folder asked for is no entry of it.
    expect(entriesOf(apache, '/sync/devices/d-bbbbbbbbbbbbbbbb/', 'test', true)).toEqual([]);
  });

  it('refuses what is not a listing with a clear error', () => {
    expect(() => entriesOf('<html><body>Login</body></html>', '/', 'PROPFIND x')).toThrow(
      'PROPFIND x: the answer is not a WebDAV listing',
    );
    expect(() => entriesOf('', '/', 'PROPFIND x')).toThrow(/not a WebDAV listing|not valid XML/);
  });
});
