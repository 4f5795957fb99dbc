"""A crawl shared by N worker processes through Redis: scrapy-redis 0.9.1, adapted to Scrapy 2.19.

With NEWSCRAWLER_REDIS_URL every worker takes requests from one queue in Redis and filters them
through one set of fingerprints there (scrapy-redis' scheduler and dupefilter); the article state
lives in Redis too (newscrawler/state/redis_store.py). What this module adds to scrapy-redis:

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
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from newscrawler.state.redis_store import DEFAULT_PREFIX

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

__all__ = ["RedisScheduler", "RequestDoneMiddleware", "configure", "may_seed"]

# Seconds a worker's heartbeat key lives; it is renewed every third of that. After a SIGKILL the
# other workers take the worker's in-flight requests back at most this long afterwards.
HEARTBEAT_TTL = 10
_TOKEN = "newscrawler_inflight"
# Pop the best request of scrapy-redis' PriorityQueue (a sorted set) and keep it in this
# worker's in-flight hash, atomically. KEYS: queue, in-flight hash; ARGV: the entry's token.
_TAKE_SCRIPT = """
local taken = redis.call('ZRANGE', KEYS[1], 0, 0)
if #taken == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], taken[1])
return taken[1]
"""
_SCHEDULERS: WeakKeyDictionary[Crawler, RedisScheduler] = WeakKeyDictionary()


def configure(settings: BaseSettings) -> None:
    """Switch a crawl to the shared Redis queue and dupefilter when NEWSCRAWLER_REDIS_URL is set
    (at that setting's priority, so a `-s` on the command line still wins over the project)."""
    url = settings.get("NEWSCRAWLER_REDIS_URL")
    if not url:
        return
    priority = settings.getpriority("NEWSCRAWLER_REDIS_URL") or "project"
    prefix = settings.get("NEWSCRAWLER_REDIS_PREFIX") or DEFAULT_PREFIX
    for name, value in {
        "SCHEDULER": "newscrawler.distributed.RedisScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        # A killed worker's queued requests stay for the others and for a restart.
        "SCHEDULER_PERSIST": True,
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
    _take: Any = None  # the registered _TAKE_SCRIPT

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        # scrapy-redis' own from_crawler passes `spider=` to the stats methods, which Scrapy 2.19
        # deprecates with a warning per request; its counters are kept by the overrides below.
        instance: RedisScheduler = cls.from_settings(crawler.settings)
        instance.crawler = crawler
        instance.prefix = crawler.settings.get("NEWSCRAWLER_REDIS_PREFIX") or DEFAULT_PREFIX
        instance.worker = uuid.uuid4().hex
        _SCHEDULERS[crawler] = instance
        crawler.signals.connect(instance.spider_idle, signal=signals.spider_idle)
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
        self._take = self.server.register_script(_TAKE_SCRIPT)
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
            # RENAME is atomic: of two workers reclaiming the same dead one, only one gets it.
            taken = self._key(f"reclaim:{self.worker}")
            try:
                self.server.rename(self._inflight(worker), taken)
            except Exception:  # no such key: nothing in flight, or another worker took it
                taken = ""
            if taken:
                for data in self.server.hvals(taken):
                    self.queue.push(self.queue._decode_request(data))
                    moved += 1
                self.server.delete(taken)
            self.server.srem(self._key("workers"), worker)
        if moved:
            logger.warning("distributed crawl: %d requests of a dead worker requeued", moved)
            self.crawler.stats.inc_value("newscrawler/distributed/requeued", moved)
        return moved

    def claim_seed(self) -> bool:
        return bool(self.server.set(self._key("seeded"), self.worker, nx=True))

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        # A retry or a redirect of a taken request: it is safe in the queue again.
        token = request.meta.pop(_TOKEN, None)
        if token:
            self.server.hdel(self._inflight(self.worker), token)
        self.crawler.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        token = uuid.uuid4().hex
        if isinstance(self.queue, PriorityQueue):
            # Taken from the queue and recorded in flight in one step: a worker killed between
            # the two would otherwise lose the request (gone from the queue, in no one's hands).
            data = self._take(keys=[self.queue.key, self._inflight(self.worker)], args=[token])
            request = self.queue._decode_request(data) if data else None
        else:  # another scrapy-redis queue class: its own pop, then the in-flight record
            request = self.queue.pop(self.idle_before_close)
            if request is not None:
                data = self.queue._encode_request(request)
                self.server.hset(self._inflight(self.worker), token, data)
        if request is None:
            return None
        request.meta[_TOKEN] = token
        self.crawler.stats.inc_value("scheduler/dequeued/redis")
        return request

    def done(self, request: Request) -> None:
        """The request's callback has run to its end: its output is queued or written."""
        token = request.meta.pop(_TOKEN, None)
        if token:
            self.server.hdel(self._inflight(self.worker), token)

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
        self.server.delete(self._inflight(self.worker))
        self.reclaim()
        if len(self.queue) or self._others_busy() or not self.server.exists(self._key("seeded")):
            self._idle_checks = 0
            raise DontCloseSpider
        # Twice in a row: a worker that just took the last request has had time to show it.
        self._idle_checks += 1
        if self._idle_checks < 2:
            raise DontCloseSpider

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
        if not crawler.settings.get("NEWSCRAWLER_REDIS_URL"):
            raise NotConfigured("no NEWSCRAWLER_REDIS_URL")
        return cls(crawler)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        async for output in result:
            yield output
        scheduler = _SCHEDULERS.get(self.crawler)
        if scheduler is not None and response.request is not None:
            scheduler.done(response.request)

    def process_spider_exception(
        self, response: Response, exception: Exception, spider: Any = None
    ) -> None:
        scheduler = _SCHEDULERS.get(self.crawler)
        if scheduler is not None and response.request is not None:
            scheduler.done(response.request)
