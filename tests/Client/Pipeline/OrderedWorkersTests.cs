
using RawFrames.Client;

namespace RawFrames.Tests.Client.Pipeline;

public sealed class OrderedWorkersTests
{
    private sealed class Job
    {
        public int Sequence { get; set; }

        public int Result { get; set; }

        public int Worker { get; set; } = -1;
    }

    [Fact]
    public async Task RandomPerItemDelays_ResultsComeBackInSubmissionOrder_NoneLost()
    {
        var random = new Random(11);
        int[] delays = Enumerable.Range(0, 400).Select(_ => random.Next(0, 4)).ToArray();
        await using var workers = new OrderedWorkers<Job>(4, 3, worker => job =>
        {
            Thread.Sleep(delays[job.Sequence]);
            job.Result = job.Sequence * 2;
            job.Worker = worker;
        });
        var received = new List<Job>();

        Task producing = Task.Run(async () =>
        {
            for (int i = 0; i < delays.Length; i++)
            {
                await workers.SubmitAsync(new Job { Sequence = i });
            }
        });
        for (int i = 0; i < delays.Length; i++)
        {
            received.Add(await workers.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }

        await producing;
        received.Select(j => j.Sequence).Should().Equal(Enumerable.Range(0, delays.Length));
        received.Should().OnlyContain(j => j.Result == j.Sequence * 2);
        received.Select(j => j.Worker).Distinct().Should().HaveCount(4, "the work is spread over every worker");
    }

    [Fact]
    public async Task AFailingItem_SurfacesAtItsTurn()
    {
        await using var workers = new OrderedWorkers<Job>(2, 2, _ => job =>
        {
            if (job.Sequence == 3)
            {
                throw new InvalidOperationException("bad frame 3");
            }
        });
        for (int i = 0; i < 4; i++)
        {
            await workers.SubmitAsync(new Job { Sequence = i });
        }

        for (int i = 0; i < 3; i++)
        {
            (await workers.ReceiveAsync()).Sequence.Should().Be(i);
        }

        Func<Task> fourth = async () => await workers.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        (await fourth.Should().ThrowAsync<Exception>()).Which.Message.Should().Contain("bad frame 3");
    }

    [Fact]
    public async Task Abort_WakesAProducerWaitingForAFreeItem_AndTheConsumerSeesTheCancellation()
    {
        using var release = new ManualResetEventSlim();
        await using var workers = new OrderedWorkers<Job>(1, 1, _ => _ => release.Wait(TimeSpan.FromSeconds(30)), () => new Job());
        var rented = new List<Job>();
        for (int i = 0; i < 3; i++)
        {
            rented.Add(await workers.RentAsync()); // one worker with a queue of one keeps (1 * 1 * 2) + 1 items
        }

        Task<Job> rent = workers.RentAsync().AsTask();
        rent.IsCompleted.Should().BeFalse("every item is rented");
        workers.Abort();
        Func<Task> waiting = async () => await rent.WaitAsync(TimeSpan.FromSeconds(10));
        await waiting.Should().ThrowAsync<OperationCanceledException>();
        Func<Task> submit = async () => await workers.SubmitAsync(rented[0]).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await submit.Should().ThrowAsync<OperationCanceledException>();
        release.Set();
        Func<Task> receive = async () => await workers.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await receive.Should().ThrowAsync<OperationCanceledException>();
    }
}
