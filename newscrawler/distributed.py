"""A crawl shared by N worker processes through Redis: scrapy-redis 0.9.1, adapted to Scrapy 2.19.

With NEWSCRAWLER_REDIS_URL every worker takes requests from one queue in Redis and filters them
through one set of fingerprints there (scrapy-redis' scheduler and dupefilter; `DistributedAddon`
switches them on); the article state lives in Redis too (newscrawler/state/redis_store.py). What
this module adds to scrapy-redis:

- one worker seeds the crawl (the first to claim the seed key pushes the discovery URLs);
- a worker is not done while the queue is empty but another live worker is still fetching,
  since that worker's pages may yet add requests;
- requests a worker took and has not finished are kept in its "in-flight" hash, and put back in
  the queue when the worker's heartbeat key expires (a SIGKILL): scrapy-redis alone loses them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawler.defaults import get_str
from newscrawler.state.config import redis_prefix

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = ["DistributedAddon", "RedisScheduler", "RequestDoneMiddleware", "may_seed"]

# Seconds a worker's heartbeat key lives; it is renewed every third of that. After a SIGKILL the
# other workers take the worker's in-flight requests back at most this long afterwards.
HEARTBEAT_TTL = 10
# Seconds between looks at the shared queue while this worker is idle. Scrapy itself looks at an
# idle spider's scheduler again only on its 5-second heartbeat, and another worker's sitemap can
# fill the queue at any moment: a worker that found it empty at start-up slept through a third
# of a 10-second crawl (shares of 21-166 of 2,000 pages for one of 3 workers).
IDLE_POLL = 0.5
_TOKEN = "newscrawler_inflight"
# On a request a callback yielded: the key of the response it came from (see _Outputs).
_PARENT = "newscrawler_parent"
# The three steps that move a request between the queue (scrapy-redis' PriorityQueue, a sorted
# set), the dupefilter (a set of fingerprints) and a worker's in-flight hash, each one Lua script:
# Redis runs a script whole or not at all, so a worker SIGKILLed between two of its commands
# cannot leave a request marked seen but in no queue (it was lost for good: nobody fetches a
# seen request), or taken off the queue and in no one's hands.
# An in-flight entry is "<score> <queued request>", so that it can go back with its priority.
#
# Take: pop the best request and keep it in flight. KEYS: queue, in-flight; ARGV: entry's token.
_TAKE_SCRIPT = """
local taken = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #taken == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], taken[2] .. ' ' .. taken[1])
return taken[1]
"""
# Queue: mark the fingerprint seen and queue the request, or neither if it was seen before; a
# retry or redirect of a taken request also leaves the in-flight hash (it is queued, or known).
# KEYS: dupefilter, queue, in-flight; ARGV: fingerprint ('' = dont_filter), score, request,
# in-flight token ('' = none). Returns 1 if queued.
_QUEUE_SCRIPT = """
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
# Reclaim: put a dead worker's in-flight requests back in the queue and delete its hash; of two
# workers reclaiming the same one, the second finds nothing. KEYS: in-flight, queue. An entry
# without a score (written by a version before 2026-11-30) goes back whole, at priority 0.
_RECLAIM_SCRIPT = """
local entries = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(entries) do
  local cut = string.find(entry, ' ', 1, true)
  local score = cut and tonumber(string.sub(entry, 1, cut - 1))
  if score then
    redis.call('ZADD', KEYS[2], score, string.sub(entry, cut + 1))
  else
    redis.call('ZADD', KEYS[2], 0, entry)
  end
end
redis.call('DEL', KEYS[1])
return #entries
"""
_SCHEDULERS: WeakKeyDictionary[Crawler, RedisScheduler] = WeakKeyDictionary()


@dataclass
class _Outputs:
    """What a response's callback yielded and Scrapy has not finished handling yet.

    Scrapy hands a callback's outputs to tasks of its own and asks for the next output before
    those tasks have run, so the end of the callback comes before its last item is written or
    its last request is queued. The request stays in flight until both: the end of the output
    (`ended`) and every output settled (`outstanding`), an item by its item_scraped,
    item_dropped or item_error signal, a request by reaching `enqueue_request`."""

    response: Response  # held, so its id() names no other response meanwhile
    outstanding: int = 0
    ended: bool = False


class DistributedAddon:
    """Scrapy add-on: with NEWSCRAWLER_REDIS_URL set, the crawl takes the shared Redis queue and
    dupefilter (listed in ADDONS, newscrawler/settings.py); without it nothing changes."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = get_str(settings, "NEWSCRAWLER_REDIS_URL")
        if not url:
            raise NotConfigured  # no message: a crawl without Redis is the usual case
        # At the URL's own priority, not the add-on's: over the project's SCHEDULER and
        # DUPEFILTER_CLASS (newscrawler/settings.py), and a `-s` on the command line still
        # wins over the project.
        priority = settings.getpriority("NEWSCRAWLER_REDIS_URL") or "project"
        prefix = redis_prefix(settings)
        for name, value in {
            "SCHEDULER": "newscrawler.distributed.RedisScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "REDIS_URL": url,
            # A killed worker's queued requests stay for the others and for a restart.
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
            "SCHEDULER_QUEUE_KEY": prefix + "%(spider)s:requests",
            "SCHEDULER_DUPEFILTER_KEY": prefix + "%(spider)s:dupefilter",
        }.items():
            settings.set(name, value, priority=priority)
        settings["SPIDER_MIDDLEWARES"].set(
            "newscrawler.distributed.RequestDoneMiddleware", 50, priority=priority
        )


def may_seed(crawler: Crawler) -> bool:
    """Whether this worker pushes the discovery URLs: always without Redis; with it, only the
    first worker of a crawl (the others find the crawl's requests in the queue)."""
    scheduler = _SCHEDULERS.get(crawler)
    return scheduler.claim_seed() if scheduler is not None else True


class RedisScheduler(Scheduler):
    """scrapy-redis' scheduler with a seed claim, in-flight tracking and a shared idle check."""

    crawler: Crawler
    prefix: str
    worker: str
    _idle_checks: int = 0
    _heartbeat: task.LoopingCall | None = None
    # The registered Lua scripts (_TAKE_SCRIPT, _QUEUE_SCRIPT, _RECLAIM_SCRIPT).
    _take: Any = None
    _queue: Any = None
    _reclaim: Any = None
    _outputs: dict[int, _Outputs]  # by id() of the response
    _scheduling: Request | None = None  # between request_scheduled and enqueue_request

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        # scrapy-redis' own from_crawler passes `spider=` to the stats methods, which Scrapy 2.19
        # deprecates with a warning per request; its counters are kept by the overrides below.
        instance: RedisScheduler = cls.from_settings(crawler.settings)
        instance.crawler = crawler
        instance.prefix = redis_prefix(crawler.settings)
        instance.worker = uuid.uuid4().hex
        instance._outputs = {}
        _SCHEDULERS[crawler] = instance
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(instance._item_settled, signal=signal)
        crawler.signals.connect(instance._request_scheduled, signal=signals.request_scheduled)
        return instance

    def _key(self, name: str) -> str:
        return f"{self.prefix}{self.spider.name}:{name}"

    def _inflight(self, worker: str) -> str:
        return self._key(f"inflight:{worker}")

    def open(self, spider: Any) -> None:
        # scrapy-redis' open() as it is, minus its `spider.log()` call (a ScrapyDeprecationWarning
        # on Scrapy 2.19): it only logged the number of requests already queued.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server,
            spider=spider,
            key=self.queue_key % {"spider": spider.name},
            serializer=self.serializer,
        )
        if not getattr(self, "df", None):
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        # The scripts write the sorted set and the fingerprint set themselves.
        if not isinstance(self.queue, PriorityQueue) or not isinstance(self.df, RFPDupeFilter):
            raise ValueError(
                "the distributed crawl needs scrapy_redis.queue.PriorityQueue as "
                "SCHEDULER_QUEUE_CLASS and scrapy_redis.dupefilter.RFPDupeFilter (or a subclass) "
                "as DUPEFILTER_CLASS: remove the -s overrides of those settings"
            )
        self._take = self.server.register_script(_TAKE_SCRIPT)
        self._queue = self.server.register_script(_QUEUE_SCRIPT)
        self._reclaim = self.server.register_script(_RECLAIM_SCRIPT)
        if self.flush_on_start:
            self.flush()
        if len(self.queue):
            logger.info("resuming the shared crawl: %d requests queued", len(self.queue))
        self.server.sadd(self._key("workers"), self.worker)
        self._beat()
        self._heartbeat = task.LoopingCall(self._beat)
        self._heartbeat.start(HEARTBEAT_TTL / 3, now=False)
        logger.info("distributed crawl: worker %s on %s", self.worker, self._key("requests"))

    def _beat(self) -> None:
        self.server.set(self._key(f"alive:{self.worker}"), 1, ex=HEARTBEAT_TTL)
        self.reclaim()

    def reclaim(self) -> int:
        """Put the in-flight requests of workers whose heartbeat expired back in the queue."""
        moved = 0
        for raw in self.server.smembers(self._key("workers")):
            worker = raw.decode() if isinstance(raw, bytes) else str(raw)
            if worker == self.worker or self.server.exists(self._key(f"alive:{worker}")):
                continue
            moved += int(self._reclaim(keys=[self._inflight(worker), self.queue.key]))
            self.server.srem(self._key("workers"), worker)
        if moved:
            logger.warning("distributed crawl: %d requests of a dead worker requeued", moved)
            self.crawler.stats.inc_value("newscrawler/distributed/requeued", moved)
        return moved

    def claim_seed(self) -> bool:
        return bool(self.server.set(self._key("seeded"), self.worker, nx=True))

    def _request_scheduled(self, request: Request) -> None:
        # The engine calls enqueue_request right after this signal unless one of its handlers
        # raised IgnoreRequest (the crawl boundary does): a request still here at the next
        # event was ignored, and settles then (_ignored_settle).
        self._ignored_settle()
        if _PARENT in request.meta:
            self._scheduling = request

    def _ignored_settle(self) -> None:
        request, self._scheduling = self._scheduling, None
        if request is not None and (parent := request.meta.pop(_PARENT, None)) is not None:
            self._settle(parent)

    def enqueue_request(self, request: Request) -> bool:
        if request is self._scheduling:
            self._scheduling = None
        parent = request.meta.pop(_PARENT, None)
        try:
            # A retry or a redirect of a taken request carries the taken one's token: once it is
            # queued (or known), the taken one is done.
            token = request.meta.pop(_TOKEN, None) or ""
            fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
            data = self.queue._encode_request(request)
            keys = [self.df.key, self.queue.key, self._inflight(self.worker)]
            if not self._queue(keys=keys, args=[fingerprint, -request.priority, data, token]):
                self.df.log(request, self.spider)
                return False
            self.crawler.stats.inc_value("scheduler/enqueued/redis")
            return True
        finally:
            if parent is not None:  # queued (or known): the page that found it may be done
                self._settle(parent)

    def next_request(self) -> Request | None:
        token = uuid.uuid4().hex
        data = self._take(keys=[self.queue.key, self._inflight(self.worker)], args=[token])
        if not data:
            return None
        request = self.queue._decode_request(data)
        request.meta[_TOKEN] = token
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def done(self, request: Request) -> None:
        """The request's callback has run to its end and its output is queued or written."""
        token = request.meta.pop(_TOKEN, None)
        if token:
            self.server.hdel(self._inflight(self.worker), token)

    def output_yielded(self, response: Response, output: Any) -> None:
        """A callback yielded `output` (a request or an item) for `response`."""
        entry = self._outputs.setdefault(id(response), _Outputs(response))
        entry.outstanding += 1
        if isinstance(output, Request):
            output.meta[_PARENT] = id(response)

    def output_ended(self, response: Response) -> None:
        """The callback for `response` yielded its last output (or raised)."""
        self._ignored_settle()
        # Nothing yielded, or all settled already: a fresh entry with nothing outstanding, which
        # _settle ends at once (done() is idempotent: the token leaves the meta once).
        entry = self._outputs.setdefault(id(response), _Outputs(response))
        entry.ended = True
        self._settle(id(response), 0)

    def _settle(self, key: int, count: int = 1) -> None:
        entry = self._outputs.get(key)
        if entry is None:
            return
        entry.outstanding -= count
        if entry.ended and entry.outstanding <= 0:
            del self._outputs[key]
            if entry.response.request is not None:
                self.done(entry.response.request)

    def _item_settled(self, item: Any, response: Response | None = None) -> None:
        """An item left the pipelines (written, dropped or failed)."""
        self._ignored_settle()
        if response is not None:
            self._settle(id(response))

    def _others_busy(self) -> bool:
        for raw in self.server.smembers(self._key("workers")):
            worker = raw.decode() if isinstance(raw, bytes) else str(raw)
            if worker == self.worker or not self.server.exists(self._key(f"alive:{worker}")):
                continue
            if self.server.hlen(self._inflight(worker)):
                return True
        return False

    def spider_idle(self) -> None:
        """Keep the worker open while the shared crawl is not over."""
        # Idle: nothing this worker took is still in progress (failed fetches end in errbacks
        # that no middleware sees; their entries go here).
        self._ignored_settle()
        self._outputs.clear()
        self.server.delete(self._inflight(self.worker))
        self.reclaim()
        if len(self.queue) or self._others_busy() or not self.server.exists(self._key("seeded")):
            self._idle_checks = 0
            self._look_again_soon()
            raise DontCloseSpider
        # Twice in a row: a worker that just took the last request has had time to show it.
        self._idle_checks += 1
        if self._idle_checks < 2:
            self._look_again_soon()
            raise DontCloseSpider

    def _look_again_soon(self) -> None:
        """Have the engine ask this scheduler for requests in IDLE_POLL seconds (its next-call
        hook, the one its own heartbeat uses; without it, the 5-second heartbeat remains)."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule(IDLE_POLL)

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        self.server.delete(self._inflight(self.worker), self._key(f"alive:{self.worker}"))
        self.server.srem(self._key("workers"), self.worker)
        if (
            reason == "finished"
            and not len(self.queue)
            and not self.server.scard(self._key("workers"))
        ):
            # The last worker of a finished crawl: the next run starts afresh (the article
            # state in Redis still remembers what was written).
            self.server.delete(self._key("seeded"))
            self.df.clear()
        super().close(reason)


class RequestDoneMiddleware:
    """Tells the scheduler when a response's callback output has all been handled."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequestDoneMiddleware:
        if not get_str(crawler.settings, "NEWSCRAWLER_REDIS_URL"):
            raise NotConfigured  # no message: a crawl without Redis is the usual case
        return cls(crawler)

    # An async generator named process_spider_output: Scrapy 2.19 skips, with an error in the
    # log, a process_spider_output_async that has no process_spider_output beside it.
    async def process_spider_output(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        scheduler = _SCHEDULERS.get(self.crawler)
        if scheduler is None or response.request is None:
            async for output in result:
                yield output
            return
        try:
            async for output in result:
                if output is not None:  # Scrapy ignores a None: no signal would settle it
                    scheduler.output_yielded(response, output)
                yield output
        finally:
            scheduler.output_ended(response)

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Any = None
    ) -> None:
        # Also before any output (an error in a middleware's process_spider_input). Idempotent:
        # a request is taken off the in-flight hash once, when all its outputs are settled.
        scheduler = _SCHEDULERS.get(self.crawler)
        if scheduler is not None and response.request is not None:
            scheduler.output_ended(response)
