using RawFrames.Client.Pipeline;

namespace RawFrames.Tests.Client;

public sealed class OrderedParallelTests
{
    [Fact]
    public async Task RandomDelays_ResultsComeInInputOrder_WithAtMostNRunning_AndNothingLost()
    {
        var random = new Random(7);
        int[] delays = Enumerable.Range(0, 300).Select(_ => random.Next(0, 12)).ToArray();
        int running = 0, maxRunning = 0, started = 0, maxAhead = 0, yielded = 0;

        var output = new List<(int Item, int Result)>();
        await foreach ((int item, int result) in Numbers(300).SelectInOrderAsync(async (item, ct) =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            InterlockedMax(ref maxAhead, Interlocked.Increment(ref started) - Volatile.Read(ref yielded));
            await Task.Delay(delays[item], ct);
            Interlocked.Decrement(ref running);
            return item * 10;
        }, parallelism: 6, window: 12))
        {
            output.Add((item, result));
            Interlocked.Increment(ref yielded);
        }

        output.Select(pair => pair.Item).Should().Equal(Enumerable.Range(0, 300), "frames finishing early are held, never reordered");
        output.Should().OnlyContain(pair => pair.Result == pair.Item * 10);
        maxRunning.Should().BeLessThanOrEqualTo(6).And.BeGreaterThan(1, "items ran side by side");
        maxAhead.Should().BeLessThanOrEqualTo(12, "the window bounds what is in flight or held");
    }

    [Fact]
    public async Task AFailingItem_SurfacesItsException_InItsPlace()
    {
        var seen = new List<int>();
        Func<Task> run = async () =>
        {
            await foreach ((int item, _) in Numbers(20).SelectInOrderAsync(async (item, ct) =>
            {
                await Task.Yield();
                return item == 7 ? throw new InvalidOperationException("model failed on 7") : item;
            }, parallelism: 4, window: 4))
            {
                seen.Add(item);
            }
        };

        await run.Should().ThrowAsync<InvalidOperationException>().WithMessage("model failed on 7");
        seen.Should().Equal(Enumerable.Range(0, 7), "everything before the failure was delivered, in order");
    }

    private static async IAsyncEnumerable<int> Numbers(int count)
    {
        for (int i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
